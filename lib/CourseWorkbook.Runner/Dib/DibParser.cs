using System.Text.Json;
using System.Text.Json.Nodes;

namespace CourseWorkbook.Runner.Dib;

/// <summary>
/// Reads .dib text with .NET Interactive's rules: #!meta, known-kernel separators, magic lines kept in cells.
/// </summary>
public static class DibParser
{
    private const string Prefix = "#!";
    private const string MetaLine = "#!meta";

    /// <summary>Parses a .dib file from disk. The file must be UTF-8 text: invalid UTF-8 or a NUL byte is refused with
    /// its byte offset, and bare CR line endings (old Mac editors) are read as line ends.</summary>
    public static DibDocument ParseFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (Array.IndexOf(bytes, (byte)0) is var nul and >= 0)
            throw new DibFormatException(path, LineAt(bytes, nul),
                $"a NUL byte at byte offset {nul}: this is not a text file");
        string content;
        try
        {
            content = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            var offset = e.Index >= 0 ? e.Index : 0;
            throw new DibFormatException(path, LineAt(bytes, offset), $"invalid UTF-8 at byte offset {offset}");
        }

        if (content.Length > 0 && content[0] == '\uFEFF') content = content[1..];
        if (content.Contains('\r')) content = content.Replace("\r\n", "\n").Replace('\r', '\n');
        return Parse(content, path);
    }

    static int LineAt(byte[] bytes, int offset) =>
        1 + bytes.AsSpan(0, Math.Min(offset, bytes.Length)).Count((byte)'\n');

    /// <summary>Parses .dib text; <paramref name="path"/> only names the file in errors.</summary>
    public static DibDocument Parse(string content, string path = "<dib>")
    {
        var lines = SplitLines(content);
        var (metaStart, metaEnd, metadataJson) = ReadMetadata(lines, path);

        var (defaultKernel, declared) = DibDocument.ReadKernelInfo(metadataJson);
        var aliases = KernelNames.AliasMap(declared);
        var cells = new List<DibCell>();
        var kernel = defaultKernel is not null && aliases.TryGetValue(defaultKernel, out var d)
            ? d
            : defaultKernel ?? KernelNames.CSharp;
        var current = new List<(string Text, int Line)>();

        for (var i = 0; i < lines.Length; i++)
        {
            if (i >= metaStart && i < metaEnd) continue;
            var line = lines[i];
            if (line.StartsWith(Prefix, StringComparison.Ordinal)
                && aliases.TryGetValue(line[Prefix.Length..], out var name))
            {
                AddCell();
                kernel = name;
                current.Clear();
            }
            else
            {
                current.Add((line, i + 1));
            }
        }

        AddCell();
        return new DibDocument(cells, metadataJson);

        void AddCell()
        {
            var first = current.FindIndex(l => l.Text.Length > 0);
            if (first < 0) return;
            var last = current.FindLastIndex(l => l.Text.Length > 0);
            var source = string.Join("\n", current.Skip(first).Take(last - first + 1).Select(l => l.Text));
            cells.Add(new DibCell(kernel, source, current[first].Line));
        }
    }

    /// <summary>Splits on \r\n and \n (a lone \r stays in its line); empty text has no lines.</summary>
    internal static string[] SplitLines(string content) =>
        content.Length == 0 ? [] : content.Split(["\r\n", "\n"], StringSplitOptions.None);

    // The #!meta block: the marker line and the JSON lines that follow it up to the next "#!" line.
    private static (int Start, int End, string? Json) ReadMetadata(string[] lines, string path)
    {
        var start = Array.FindIndex(lines, l => l.TrimEnd() == MetaLine);
        if (start < 0) return (0, 0, null);
        var end = start + 1;
        while (end < lines.Length && !lines[end].StartsWith(Prefix, StringComparison.Ordinal)) end++;

        var json = string.Join("\n", lines[(start + 1)..end]).Trim();
        if (json.Length == 0) return (start, end, null);
        try
        {
            var node = JsonNode.Parse(json);
            if (node is not JsonObject meta)
                throw new DibFormatException(path, start + 1, "#!meta must be a JSON object");
            ValidateKernelInfo(meta, path, start + 1);
        }
        catch (JsonException e)
        {
            var blankBefore = lines[(start + 1)..end].TakeWhile(l => l.Trim().Length == 0).Count();
            var line = start + 2 + blankBefore + (int)(e.LineNumber ?? 0);
            throw new DibFormatException(path, line, $"invalid #!meta JSON: {e.Message}");
        }

        return (start, end, json);
    }

    private static void ValidateKernelInfo(JsonObject meta, string path, int line)
    {
        if (!meta.TryGetPropertyValue("kernelInfo", out var kernelInfo) || kernelInfo is null) return;
        if (kernelInfo is not JsonObject info)
            throw new DibFormatException(path, line, "#!meta kernelInfo must be a JSON object");
        if (info["defaultKernelName"] is { } dk && (dk is not JsonValue v || !v.TryGetValue<string>(out _)))
            throw new DibFormatException(path, line, "#!meta kernelInfo.defaultKernelName must be a string");
        if (info["items"] is null) return;
        if (info["items"] is not JsonArray items)
            throw new DibFormatException(path, line, "#!meta kernelInfo.items must be an array");
        foreach (var item in items)
        {
            if (item is not JsonObject o || o["name"] is not JsonValue n || !n.TryGetValue<string>(out _))
                throw new DibFormatException(path, line, "#!meta kernelInfo.items entries need a string \"name\"");
            if (o["aliases"] is { } a && a is not JsonArray)
                throw new DibFormatException(path, line, "#!meta kernelInfo.items aliases must be an array");
        }
    }
}
