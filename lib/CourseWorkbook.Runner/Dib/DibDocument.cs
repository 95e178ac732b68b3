using System.Text.Json.Nodes;

namespace CourseWorkbook.Runner.Dib;

/// <summary>A kernel declared in a notebook's #!meta kernelInfo.</summary>
public sealed record DibKernelInfo(string Name, IReadOnlyList<string> Aliases, string? LanguageName = null);

/// <summary>
/// One cell: canonical kernel name, source (lines joined with \n) and the 1-based .dib line of its first source line.
/// </summary>
public sealed record DibCell(string KernelName, string Source, int FirstLine)
{
    /// <summary>True for C# cells, the only code the runner executes.</summary>
    public bool IsCSharp => KernelName == KernelNames.CSharp;

    /// <summary>True for markdown cells, which become markdown cells of the .ipynb.</summary>
    public bool IsMarkdown => KernelName == KernelNames.Markdown;

    /// <summary>The first non-blank line of the source, for error messages.</summary>
    public string FirstSourceLine => Source.Split('\n').FirstOrDefault(l => l.Trim().Length > 0)?.Trim() ?? "";
}

/// <summary>A parsed .dib notebook: its #!meta JSON (verbatim, if any) and its non-empty cells in order.</summary>
public sealed record DibDocument(IReadOnlyList<DibCell> Cells, string? MetadataJson = null)
{
    /// <summary>Kernel used for text before the first separator: #!meta defaultKernelName, else csharp.</summary>
    public string DefaultKernelName => ReadKernelInfo(MetadataJson).DefaultKernelName ?? KernelNames.CSharp;

    /// <summary>Kernels declared in #!meta kernelInfo.items.</summary>
    public IReadOnlyList<DibKernelInfo> DeclaredKernels => ReadKernelInfo(MetadataJson).Kernels;

    internal static (string? DefaultKernelName, IReadOnlyList<DibKernelInfo> Kernels) ReadKernelInfo(
        string? metadataJson)
    {
        if (string.IsNullOrWhiteSpace(metadataJson)) return (null, []);
        var kernelInfo = JsonNode.Parse(metadataJson)?["kernelInfo"];
        if (kernelInfo is not JsonObject info) return (null, []);
        var defaultName = info["defaultKernelName"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var kernels = new List<DibKernelInfo>();
        if (info["items"] is JsonArray items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                if (item["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name)) continue;
                var aliases = item["aliases"] is JsonArray a
                    ? a.OfType<JsonValue>().Select(x => x.TryGetValue<string>(out var alias) ? alias : null)
                        .OfType<string>().ToList()
                    : [];
                var language = item["languageName"] is JsonValue l && l.TryGetValue<string>(out var lang) ? lang : null;
                kernels.Add(new DibKernelInfo(name, aliases, language));
            }
        }

        return (defaultName, kernels);
    }
}

/// <summary>A .dib file that cannot be parsed; names the file and the 1-based line.</summary>
public sealed class DibFormatException(string path, int line, string message)
    : Exception($"{path}({line}): {message}")
{
    public string Path { get; } = path;
    public int Line { get; } = line;
    public string Reason { get; } = message;
}
