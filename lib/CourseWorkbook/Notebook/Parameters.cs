using System.Globalization;

namespace CourseWorkbook.Notebook;

/// <summary>
/// A notebook's parameters (epochs, sizes, seeds), declared in one cell. The headless runner's
/// <c>--set NAME=VALUE</c> overrides them, like papermill; in VS Code an environment variable
/// <c>COURSEWORKBOOK_PARAM_NAME</c> does the same (handy to shorten a demo).
/// </summary>
public static class Parameters
{
    static readonly Dictionary<string, string> declared = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameters declared so far with their effective values.</summary>
    public static IReadOnlyDictionary<string, string> Declared => declared;

    /// <summary>Declares a parameter and returns its value: the override when one is given, else the default.</summary>
    public static T Get<T>(string name, T defaultValue) where T : IParsable<T>
    {
        T value = defaultValue;
        if (Override(name) is { } text)
        {
            if (!T.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
                throw new ArgumentException($"parameter '{name}': cannot read '{text}' as {typeof(T).Name}");
            value = parsed;
        }
        string shown = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        declared[name] = shown;
        if (AppDomain.CurrentDomain.GetData(Host.Keys.DeclareParameter) is Action<string, string> declare)
            declare(name, shown);
        return value;
    }

    /// <summary>Declares a boolean parameter ("true"/"false"/"1"/"0").</summary>
    public static bool Get(string name, bool defaultValue)
    {
        bool value = defaultValue;
        if (Override(name) is { } text)
            value = text.Trim().ToLowerInvariant() switch
            {
                "true" or "1" or "yes" => true,
                "false" or "0" or "no" => false,
                _ => throw new ArgumentException($"parameter '{name}': cannot read '{text}' as a boolean"),
            };
        declared[name] = value ? "true" : "false";
        if (AppDomain.CurrentDomain.GetData(Host.Keys.DeclareParameter) is Action<string, string> declare)
            declare(name, declared[name]);
        return value;
    }

    static string? Override(string name)
    {
        if (AppDomain.CurrentDomain.GetData(Host.Keys.Parameters) is IReadOnlyDictionary<string, string> set)
            foreach (var (key, v) in set)
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) return v;
        return Environment.GetEnvironmentVariable("COURSEWORKBOOK_PARAM_" + name.ToUpperInvariant());
    }
}
