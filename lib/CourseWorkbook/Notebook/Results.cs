using System.Globalization;
using System.Collections.Concurrent;
using System.Text.Json;

namespace CourseWorkbook.Notebook;

/// <summary>
/// The numbers a notebook's lesson rests on (final loss, accuracy, recall...). Publishing shows the value to the
/// student, in one "published" box per cell that grows as the cell publishes more, and puts it in the kernel's
/// event stream with the mime type <see cref="Host.MimeTypes.Results"/>, where the headless runner reads it into
/// summary.json so that CI can assert it lands in range.
/// </summary>
public static class Results
{
    static readonly ConcurrentDictionary<string, object> published = new(StringComparer.Ordinal);
    static readonly Lock gate = new();
    static object? shownFor;
    static DisplayHandle? shown;
    static List<PublishedResult> shownResults = [];

    /// <summary>The mime types a published box is shown as.</summary>
    public static string[] DisplayMimeTypes { get; } = ["text/html", "text/plain", Host.MimeTypes.Results];

    /// <summary>Every value published in this process, by name.</summary>
    public static IReadOnlyDictionary<string, object> All => published;

    /// <summary>Publishes a named number and shows it.</summary>
    public static void Publish(string name, double value, string? unit = null) => PublishCore(name, value, unit);

    /// <summary>Publishes a named text value and shows it.</summary>
    public static void Publish(string name, string value) => PublishCore(name, value, null);

    static void PublishCore(string name, object value, string? unit)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
            throw new ArgumentException(
                $"result name '{name}' must be a non-empty identifier without spaces", nameof(name));
        if (value is double d && !double.IsFinite(d))
            throw new ArgumentException($"result '{name}' is {d}; only finite numbers can be published", nameof(value));
        published[name] = value;
        Show(new PublishedResult(name, value, unit));
    }

    // Results published by one cell share one box; a later cell (another kernel command) starts a new one.
    static void Show(PublishedResult result)
    {
        lock (gate)
        {
            var command = Host.CurrentCommand();
            if (command is null || shown is null || !ReferenceEquals(command, shownFor))
            {
                shownFor = command;
                shownResults = [result];
                shown = Host.Display(new PublishedResults(shownResults.ToArray()), DisplayMimeTypes);
                return;
            }

            shownResults.RemoveAll(r => r.Name == result.Name);
            shownResults.Add(result);
            shown.Update(new PublishedResults(shownResults.ToArray()));
        }
    }
}

/// <summary>A published result; reads as <c>name = value unit</c>.</summary>
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

/// <summary>The results one cell published, as they are displayed.</summary>
public sealed record PublishedResults(IReadOnlyList<PublishedResult> Items)
{
    public override string ToString() => string.Join(Environment.NewLine, Items.Select(r => "published: " + r));

    /// <summary>The <see cref="Host.MimeTypes.Results"/> payload.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            foreach (var r in Items)
            {
                json.WriteStartObject();
                json.WriteString("name", r.Name);
                if (r.Value is double d) json.WriteNumber("value", d);
                else json.WriteString("value", r.Value.ToString());
                if (r.Unit is not null) json.WriteString("unit", r.Unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
