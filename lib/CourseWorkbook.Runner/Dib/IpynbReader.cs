using System.Text.Json;

namespace CourseWorkbook.Runner.Dib;

/// <summary>
/// Reads a Jupyter .ipynb (nbformat 4, as VS Code's Polyglot Notebooks and the runner write it) into the same cells
/// a .dib holds: markdown cells, and code cells with their kernel (the cell's <c>polyglot_notebook.kernelName</c> or
/// <c>dotnet_interactive.language</c>, else the notebook's default). Outputs are ignored: a submission is graded on
/// what it does when run again. A cell's <see cref="DibCell.FirstLine"/> is its number (1-based), which is what
/// errors name.
/// </summary>
public static class IpynbReader
{
    /// <summary>The largest .ipynb read (outputs included), in bytes.</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>Reads and converts <paramref name="path"/>; a malformed file throws <see cref="DibFormatException"/>
    /// naming it and the cell.</summary>
    public static DibDocument ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxBytes)
            throw new DibFormatException(path, 0,
                $"{info.Length:N0} bytes, over the {MaxBytes:N0} a notebook may have");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Converts .ipynb text (<paramref name="path"/> only names it in errors).</summary>
    public static DibDocument Parse(string json, string path = "<ipynb>")
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new DibFormatException(path, (int)(e.LineNumber ?? 0) + 1, e.Message); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("cells", out var cells)
                || cells.ValueKind != JsonValueKind.Array)
                throw new DibFormatException(path, 0, "not a Jupyter notebook: no \"cells\" array");
            var defaultKernel = DefaultKernel(root);
            var result = new List<DibCell>();
            int number = 0;
            foreach (var cell in cells.EnumerateArray())
            {
                number++;
                var type = cell.TryGetProperty("cell_type", out var t) ? t.GetString() : null;
                var source = Source(cell, path, number);
                if (type == "markdown") result.Add(new DibCell(KernelNames.Markdown, source, number));
                else if (type == "code") result.Add(new DibCell(CellKernel(cell) ?? defaultKernel, source, number));
                else if (type == "raw") continue;
                else throw new DibFormatException(path, number, $"cell {number} has an unknown cell_type '{type}'");
            }
            string? meta = null;
            if (root.TryGetProperty("metadata", out var metadata)
                && metadata.TryGetProperty("polyglot_notebook", out var polyglot))
                meta = polyglot.GetRawText();
            return new DibDocument(result, meta);
        }
    }

    static string Source(JsonElement cell, string path, int number)
    {
        if (!cell.TryGetProperty("source", out var source)) return "";
        return source.ValueKind switch
        {
            JsonValueKind.String => source.GetString()!,
            JsonValueKind.Array => string.Concat(source.EnumerateArray().Select(l => l.ValueKind == JsonValueKind.String
                ? l.GetString()
                : throw new DibFormatException(path, number, $"cell {number}: a source line is not a string"))),
            _ => throw new DibFormatException(path, number, $"cell {number}: source is neither a string nor lines"),
        };
    }

    static string? CellKernel(JsonElement cell)
    {
        if (!cell.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
            return null;
        if (metadata.TryGetProperty("polyglot_notebook", out var p) && p.ValueKind == JsonValueKind.Object
            && p.TryGetProperty("kernelName", out var k) && k.GetString() is { Length: > 0 } kernel)
            return Canonical(kernel);
        if (metadata.TryGetProperty("dotnet_interactive", out var d) && d.ValueKind == JsonValueKind.Object
            && d.TryGetProperty("language", out var l) && l.GetString() is { Length: > 0 } language)
            return Canonical(language);
        return null;
    }

    static string DefaultKernel(JsonElement root)
    {
        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            if (metadata.TryGetProperty("polyglot_notebook", out var p)
                && p.TryGetProperty("kernelInfo", out var info)
                && info.TryGetProperty("defaultKernelName", out var name) && name.GetString() is { Length: > 0 } n)
                return Canonical(n);
            if (metadata.TryGetProperty("kernelspec", out var spec)
                && spec.TryGetProperty("language", out var language) && language.GetString() is { } lang)
                return Canonical(lang);
        }
        return KernelNames.CSharp;
    }

    static string Canonical(string name) =>
        KernelNames.AliasMap([]).TryGetValue(name, out var canonical) ? canonical : name;
}
