using System.Globalization;
using System.Collections.Concurrent;

namespace CourseWorkbook.Notebook;

/// <summary>
/// The numbers a notebook's lesson rests on (final loss, accuracy, recall...). Publishing shows the value to the
/// student and, under the headless runner, records it in summary.json so CI can assert it lands in range.
/// </summary>
public static class Results
{
    static readonly ConcurrentDictionary<string, object> published = new(StringComparer.Ordinal);

    /// <summary>Every value published in this process, by name.</summary>
    public static IReadOnlyDictionary<string, object> All => published;

    /// <summary>Publishes a named number and shows it.</summary>
    public static PublishedResult Publish(string name, double value, string? unit = null) => PublishCore(name, value, unit);

    /// <summary>Publishes a named text value and shows it.</summary>
    public static PublishedResult Publish(string name, string value) => PublishCore(name, value, null);

    static PublishedResult PublishCore(string name, object value, string? unit)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
            throw new ArgumentException($"result name '{name}' must be a non-empty identifier without spaces", nameof(name));
        if (value is double d && !double.IsFinite(d))
            throw new ArgumentException($"result '{name}' is {d}; only finite numbers can be published", nameof(value));
        published[name] = value;
        if (AppDomain.CurrentDomain.GetData(Host.Keys.PublishResult) is Action<string, object> publish)
            publish(name, value);
        return new PublishedResult(name, value, unit);
    }
}

/// <summary>A published result; displays as <c>name = value</c>.</summary>
public sealed record PublishedResult(string Name, object Value, string? Unit)
{
    public override string ToString() => Value switch
    {
        double d => $"{Name} = {Format(d)}{(Unit is null ? "" : " " + Unit)}",
        _ => $"{Name} = {Value}",
    };

    static string Format(double d) =>
        d != 0 && (Math.Abs(d) < 1e-3 || Math.Abs(d) >= 1e6) ? d.ToString("0.###e+0", CultureInfo.InvariantCulture)
        : d.ToString("0.####", CultureInfo.InvariantCulture);
}
