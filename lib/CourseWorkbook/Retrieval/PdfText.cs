using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace CourseWorkbook.Retrieval;

/// <summary>The text of one PDF page (1-based page number).</summary>
public sealed record PdfPageText(int Page, string Text)
{
    /// <summary>One line: page number and the start of its text.</summary>
    public override string ToString() => $"p. {Page}: {(Text.Length > 100 ? Text[..100] + "…" : Text)}";
}

/// <summary>PDF text extraction with PdfPig (for the "another domain" exercise), and a tiny PDF writer for tests and demos.</summary>
public static class PdfText
{
    /// <summary>The text of every page, in reading order of the content stream, paragraphs separated by blank lines.</summary>
    public static IReadOnlyList<PdfPageText> ExtractPages(string path)
    {
        using var pdf = PdfDocument.Open(path);
        return pdf.GetPages().Select(p => new PdfPageText(p.Number, ContentOrderTextExtractor.GetText(p, new ContentOrderTextExtractor.Options
        {
            ReplaceWhitespaceWithSpace = true,
            SeparateParagraphsWithDoubleNewline = true,
        }).Trim())).ToList();
    }

    /// <summary>Extracts and chunks a PDF: one document per chunk, id <c>{file}#p{page}-c{n}</c>, source <c>{file} p. {page}</c>.</summary>
    public static IReadOnlyList<Document> ToDocuments(string path, ChunkOptions? options = null, string? section = null)
    {
        var name = Path.GetFileName(path);
        return ExtractPages(path)
            .SelectMany(page => Chunker.Split(page.Text, options)
                .Select(c => new Document($"{name}#p{page.Page}-c{c.Index}", c.Text, null, section, $"{name} p. {page.Page}")))
            .ToList();
    }

    /// <summary>
    /// Writes a plain A4 PDF (Helvetica, WinAnsi characters: French accents are fine): a bold title, then the
    /// paragraphs, wrapped to the page width; lines starting with "# " become headings. New pages as needed.
    /// </summary>
    public static void WriteSimplePdf(string path, string title, IEnumerable<string> paragraphs)
    {
        const double margin = 56, fontSize = 11, leading = 15, width = 595 - 2 * margin, top = 842 - margin;
        var builder = new PdfDocumentBuilder();
        var regular = builder.AddStandard14Font(Standard14Font.Helvetica);
        var bold = builder.AddStandard14Font(Standard14Font.HelveticaBold);
        var page = builder.AddPage(PageSize.A4);
        var y = top;

        void Line(string text, PdfDocumentBuilder.AddedFont font, double size)
        {
            if (y < margin) { page = builder.AddPage(PageSize.A4); y = top; }
            page.AddText(text, size, new PdfPoint(margin, y), font);
            y -= leading * size / fontSize;
        }

        void Paragraph(string text, PdfDocumentBuilder.AddedFont font, double size)
        {
            var line = "";
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && Width(page, candidate, size, font) > width)
                {
                    Line(line, font, size);
                    line = word;
                }
                else line = candidate;
            }
            if (line.Length > 0) Line(line, font, size);
            y -= leading / 2;
        }

        Paragraph(title, bold, 16);
        foreach (var p in paragraphs)
        {
            if (p.StartsWith("# ", StringComparison.Ordinal)) Paragraph(p[2..], bold, 12.5);
            else Paragraph(p, regular, fontSize);
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        File.WriteAllBytes(temp, builder.Build());
        File.Move(temp, path, overwrite: true);
    }

    private static double Width(PdfPageBuilder page, string text, double size, PdfDocumentBuilder.AddedFont font)
    {
        var letters = page.MeasureText(text, size, new PdfPoint(0, 0), font);
        return letters.Count == 0 ? 0 : letters[^1].EndBaseLine.X - letters[0].StartBaseLine.X;
    }
}
