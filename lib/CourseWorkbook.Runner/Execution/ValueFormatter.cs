using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Runner.Execution;

/// <summary>Turns values into mime bundles with Microsoft.DotNet.Interactive.Formatting, as the C# kernel does.</summary>
public static class ValueFormatter
{
    public const string PlainText = "text/plain";
    public const string Html = "text/html";

    /// <summary>
    /// Without a mime type: text/plain, plus text/html for non-strings, plus the Formatter's preferred types for the
    /// value's type. With one: that type only; a string is then taken verbatim as content of that type.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Format(object? value, string? mimeType = null)
    {
        var bundle = new Dictionary<string, string>(StringComparer.Ordinal);
        if (mimeType is not null)
        {
            bundle[mimeType] = value is string s ? s : SafeFormat(value, mimeType);
            return bundle;
        }

        bundle[PlainText] = SafeFormat(value, PlainText);
        if (value is null or string) return bundle;
        bundle[Html] = SafeFormat(value, Html);
        IEnumerable<string> preferred;
        try
        {
            preferred = Formatter.GetPreferredMimeTypesFor(value.GetType());
        }
        catch (Exception)
        {
            preferred = [];
        }

        foreach (var mime in preferred)
            if (!bundle.ContainsKey(mime)) bundle[mime] = SafeFormat(value, mime);
        return bundle;
    }

    private static string SafeFormat(object? value, string mimeType)
    {
        try
        {
            return value.ToDisplayString(mimeType);
        }
        catch (Exception e)
        {
            var fallback = value?.ToString() ?? Formatter.NullString;
            return mimeType == PlainText ? fallback : $"{fallback} (formatting as {mimeType} failed: {e.GetType().Name}: {e.Message})";
        }
    }

    /// <summary>Warms up the formatter (its first call costs tens of milliseconds).</summary>
    public static void WarmUp()
    {
        Format(1);
        Format(new[] { 1, 2 });
        Format("x");
    }
}
