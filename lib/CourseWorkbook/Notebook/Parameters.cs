using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace CourseWorkbook.Notebook;

/// <summary>
/// A notebook's parameters (epochs, sizes, seeds), declared in one cell. An environment variable
/// <c>COURSEWORKBOOK_PARAM_NAME</c> overrides the default: the headless runner's <c>--set NAME=VALUE</c> sets it for
/// the kernel, and so can a VS Code user (setting <c>polyglot-notebook.kernelEnvironmentVariables</c>), e.g. to
/// shorten a demo. End the cell with <see cref="Declared"/> to show the values in use.
/// </summary>
public static class Parameters
{
    static readonly Dictionary<string, string> declared = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameters declared so far with their effective values; displays as a table (and tells the
    /// headless runner which parameters exist, through <see cref="Host.MimeTypes.Parameters"/>).</summary>
    public static ParameterSet Declared =>
        new(new Dictionary<string, string>(declared, StringComparer.OrdinalIgnoreCase));

    /// <summary>Declares a parameter and returns its value: the override when one is given, else the default.</summary>
    public static T Get<T>(string name, T defaultValue) where T : IParsable<T>
    {
        T value = defaultValue;
        if (Override(name) is { } text)
        {
            if (!T.TryParse(text, CultureInfo.InvariantCulture, out var parsed))
                throw new ArgumentException($"parameter '{name}': cannot read '{text}' as {typeof(T).Name} "
                    + $"(from {Host.Variables.ParameterPrefix}{name.ToUpperInvariant()})");
            value = parsed;
        }
        declared[name] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        return value;
    }

    /// <summary>Declares a boolean parameter ("true"/"false"/"1"/"0"/"yes"/"no").</summary>
    public static bool Get(string name, bool defaultValue)
    {
        bool value = defaultValue;
        if (Override(name) is { } text)
            value = text.Trim().ToLowerInvariant() switch
            {
                "true" or "1" or "yes" => true,
                "false" or "0" or "no" => false,
                _ => throw new ArgumentException($"parameter '{name}': cannot read '{text}' as a boolean "
                    + $"(from {Host.Variables.ParameterPrefix}{name.ToUpperInvariant()})"),
            };
        declared[name] = value ? "true" : "false";
        return value;
    }

    static string? Override(string name) =>
        Environment.GetEnvironmentVariable(Host.Variables.ParameterPrefix + name.ToUpperInvariant());
}

/// <summary>Parameter names and effective values, shown as a table.</summary>
public sealed class ParameterSet : IReadOnlyDictionary<string, string>
{
    readonly IReadOnlyDictionary<string, string> values;

    /// <summary>A set of parameters; making one registers the workbook's formatters, so that it shows as a table
    /// even in a notebook that has not called Workbook.Init.</summary>
    public ParameterSet(IReadOnlyDictionary<string, string> values)
    {
        this.values = values;
        Formatters.EnsureRegistered();
    }

    /// <summary>The mime types the set is shown as.</summary>
    public static string[] DisplayMimeTypes { get; } = ["text/html", "text/plain", Host.MimeTypes.Parameters];

    public string this[string key] => values[key];
    public IEnumerable<string> Keys => values.Keys;
    public IEnumerable<string> Values => values.Values;
    public int Count => values.Count;
    public bool ContainsKey(string key) => values.ContainsKey(key);
    public bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The table: one row per parameter.</summary>
    public Table ToTable() => new(["parameter", "value"], values.Select(p => new[] { p.Key, p.Value }).ToList());

    public override string ToString() => ToTable().ToString();

    /// <summary>The <see cref="Host.MimeTypes.Parameters"/> payload.</summary>
    public string ToJson() => JsonSerializer.Serialize(new { parameters = values });
}
