using System.Text.Json.Nodes;

namespace CourseWorkbook.Runner.Dib;

/// <summary>Writes .dib text the way .NET Interactive does, so a parsed file writes back byte for byte.</summary>
public static class DibWriter
{
    /// <summary>#!meta, blank, one-line JSON, blank; per cell #!kernel, blank, lines, blank; \n line endings.</summary>
    public static string Write(DibDocument document)
    {
        var lines = new List<string>();
        if (document.MetadataJson is { Length: > 0 } json)
        {
            lines.Add("#!meta");
            lines.Add("");
            lines.Add(json.Contains('\n') ? JsonNode.Parse(json)!.ToJsonString() : json);
            lines.Add("");
        }

        foreach (var cell in document.Cells)
        {
            var cellLines = DibParser.SplitLines(cell.Source).SkipWhile(l => l.Length == 0).ToList();
            while (cellLines.Count > 0 && cellLines[^1].Length == 0) cellLines.RemoveAt(cellLines.Count - 1);
            if (cellLines.Count == 0) continue;
            lines.Add("#!" + cell.KernelName);
            lines.Add("");
            lines.AddRange(cellLines);
            lines.Add("");
        }

        return string.Join("\n", lines);
    }
}
