using System.Text.Json;

namespace CourseWorkbook.Runner.Kernel;

/// <summary>One event envelope of the kernel's stdio protocol: its type, the token of the command it answers
/// (<c>cell3</c>, or <c>cell3.1</c> for a sub-command) and the event's own fields.</summary>
public sealed record KernelEvent(string EventType, string? Token, JsonElement Event)
{
    /// <summary>True when the event answers the command <paramref name="token"/> or one of its sub-commands.</summary>
    public bool Answers(string token) =>
        Token is { } t && (t == token || t.StartsWith(token + ".", StringComparison.Ordinal));

    /// <summary>The event's <c>formattedValues</c> as mime type → text.</summary>
    public IReadOnlyDictionary<string, string> FormattedValues()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Event.TryGetProperty("formattedValues", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var v in list.EnumerateArray())
                if (v.TryGetProperty("mimeType", out var mime) && v.TryGetProperty("value", out var text))
                    values[mime.GetString() ?? ""] = text.GetString() ?? "";
        return values;
    }

    /// <summary>A string field of the event, or null.</summary>
    public string? Text(string name) =>
        Event.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>Reads one line of the kernel's stdout. Lines that are not envelopes give null. Text that native code
    /// or a background task wrote to the raw stdout without a newline ends up glued in front of the next envelope:
    /// the envelope is recovered from where it starts, and the text before it is returned as
    /// <paramref name="noise"/>.</summary>
    public static KernelEvent? Parse(string line, out string? noise)
    {
        noise = null;
        var start = line.StartsWith('{') ? 0 : line.IndexOf("{\"event\"", StringComparison.Ordinal);
        if (start < 0)
        {
            noise = line;
            return null;
        }

        if (start > 0) noise = line[..start];
        try
        {
            using var document = JsonDocument.Parse(line.AsMemory(start));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("eventType", out var type) || type.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("event", out var body))
            {
                noise = line;
                return null;
            }

            string? token = null;
            if (root.TryGetProperty("command", out var command) && command.ValueKind == JsonValueKind.Object
                && command.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String)
                token = t.GetString();
            return new KernelEvent(type.GetString()!, token, body.Clone());
        }
        catch (JsonException)
        {
            noise = line;
            return null;
        }
    }
}
