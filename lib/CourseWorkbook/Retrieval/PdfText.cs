using System.Globalization;
using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Fonts.Standard14Fonts;

namespace CourseWorkbook.Retrieval;

/// <summary>The text of one PDF page (1-based page number).</summary>
public sealed record PdfPageText(int Page, string Text)
{
    /// <summary>One line: page number and the start of its text.</summary>
    public override string ToString() => $"p. {Page}: {(Text.Length > 100 ? Text[..100] + "…" : Text)}";
}

/// <summary>
/// PDF text extraction with PdfPig (for the "another domain" exercise), and a tiny PDF writer for tests and demos.
/// </summary>
public static class PdfText
{
    /// <summary>
    /// The text of every page in content-stream order: the lines of a paragraph joined by spaces, paragraphs
    /// (and headings) on their own lines, so <see cref="Chunker"/> sees sentences, not the PDF's line wraps.
    /// </summary>
    public static IReadOnlyList<PdfPageText> ExtractPages(string path)
    {
        using var pdf = PdfDocument.Open(path);
        return pdf.GetPages().Select(p =>
        {
            var raw = ContentOrderTextExtractor.GetText(p, new ContentOrderTextExtractor.Options
            {
                ReplaceWhitespaceWithSpace = true,
                SeparateParagraphsWithDoubleNewline = true,
            }).ReplaceLineEndings("\n");
            var paragraphs = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(para => string.Join(' ',
                    para.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            return new PdfPageText(p.Number, string.Join('\n', paragraphs));
        }).ToList();
    }

    /// <summary>
    /// Extracts and chunks a PDF: the pages are joined (a paragraph cut by a page break stays whole), chunked, and
    /// each chunk is a document with id <c>{file}#c{n}</c> and source <c>{file} p. {page where it starts}</c>.
    /// </summary>
    public static IReadOnlyList<Document> ToDocuments(string path, ChunkOptions? options = null, string? section = null)
    {
        var name = Path.GetFileName(path);
        var text = new StringBuilder();
        var pageStarts = new List<(int Offset, int Page)>();
        foreach (var page in ExtractPages(path))
        {
            if (text.Length > 0) text.Append(".!?:…".Contains(text[^1]) ? '\n' : ' ');
            pageStarts.Add((text.Length, page.Page));
            text.Append(page.Text);
        }
        var all = text.ToString();
        return Chunker.Split(all, options)
            .Select(c => new Document($"{name}#c{c.Index}", c.Text, null, section,
                $"{name} p. {pageStarts.Last(s => s.Offset <= c.Start).Page}"))
            .ToList();
    }

    /// <summary>
    /// Writes a plain A4 PDF: a bold title, then the paragraphs wrapped to the page width (lines starting with
    /// "# " become headings), with new pages as needed. Fonts are the standard Helvetica and Helvetica-Bold with
    /// WinAnsiEncoding, so French accents, « », — and € survive. (PdfPig's PdfDocumentBuilder writes its standard
    /// fonts with StandardEncoding, which has no accented letters, and a TrueType font would have to be shipped;
    /// a PDF of text lines is simple enough to write directly.) Written atomically.
    /// </summary>
    public static void WriteSimplePdf(string path, string title, IEnumerable<string> paragraphs)
    {
        const double margin = 56, pageWidth = 595, pageHeight = 842, leading = 1.4;
        var pages = new List<StringBuilder>();
        StringBuilder? page = null;
        var y = 0.0;

        void Line(string text, string font, double size)
        {
            if (page is null || y - size * leading < margin)
            {
                page = new StringBuilder();
                pages.Add(page);
                y = pageHeight - margin;
            }
            y -= size * leading;
            page.Append(CultureInfo.InvariantCulture,
                $"BT /{font} {size:0.##} Tf {margin:0.##} {y:0.##} Td ({Escape(text)}) Tj ET\n");
        }

        void Paragraph(string text, string font, double size)
        {
            var line = "";
            foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (line.Length > 0 && Width(candidate, font == "F2") * size / 1000 > pageWidth - 2 * margin)
                {
                    Line(line, font, size);
                    line = word;
                }
                else line = candidate;
            }
            if (line.Length > 0) Line(line, font, size);
            y -= size * 0.5;
        }

        Paragraph(title, "F2", 16);
        foreach (var p in paragraphs)
        {
            if (p.StartsWith("# ", StringComparison.Ordinal)) Paragraph(p[2..], "F2", 12.5);
            else Paragraph(p, "F1", 11);
        }

        // Objects: 1 catalog, 2 page tree, 3-4 fonts, then a page and its content stream per page.
        var objects = new List<byte[]>();
        var kids = string.Join(' ', pages.Select((_, i) => $"{5 + 2 * i} 0 R"));
        objects.Add(Latin("<< /Type /Catalog /Pages 2 0 R >>"));
        objects.Add(Latin($"<< /Type /Pages /Kids [{kids}] /Count {pages.Count} >>"));
        objects.Add(Latin("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"));
        objects.Add(Latin("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"));
        for (var i = 0; i < pages.Count; i++)
        {
            var content = WinAnsi(pages[i].ToString());
            objects.Add(Latin($"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pageWidth} {pageHeight}] "
                + $"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {6 + 2 * i} 0 R >>"));
            objects.Add([.. Latin($"<< /Length {content.Length} >>\nstream\n"), .. content, .. Latin("\nendstream")]);
        }
        using var file = new MemoryStream();
        file.Write(Latin("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n"));
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(file.Position);
            file.Write(Latin($"{i + 1} 0 obj\n"));
            file.Write(objects[i]);
            file.Write(Latin("\nendobj\n"));
        }
        var xref = file.Position;
        var table = new StringBuilder($"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets) table.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n");
        table.Append(CultureInfo.InvariantCulture,
            $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        file.Write(Latin(table.ToString()));

        CourseWorkbook.Runtime.AtomicFile.WriteAllBytes(path, file.ToArray());
    }

    private static readonly Lazy<(Dictionary<char, double> Regular, Dictionary<char, double> Bold)> Widths = new(() =>
        (AsciiWidths(Standard14Font.Helvetica), AsciiWidths(Standard14Font.HelveticaBold)));

    /// <summary>Advance widths (1/1000 em) of the printable ASCII characters, from the font's AFM metrics.</summary>
    private static Dictionary<char, double> AsciiWidths(Standard14Font font)
    {
        var widths = new Dictionary<char, double>();
        foreach (var metric in Standard14.GetAdobeFontMetrics(font).CharacterMetrics.Values)
            if (metric.CharacterCode is >= 32 and < 127) widths[(char)metric.CharacterCode] = metric.Width.X;
        widths['\''] = widths.GetValueOrDefault('\'', 222); // StandardEncoding puts quoteright at 0x27
        return widths;
    }

    /// <summary>Width of a line in 1/1000 em; accented letters are as wide as their base letter in Helvetica.</summary>
    private static double Width(string text, bool bold)
    {
        var table = bold ? Widths.Value.Bold : Widths.Value.Regular;
        return FrenchTokenizer.RemoveAccents(text).Sum(c => table.TryGetValue(c, out var w) ? w : 1000);
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("(", "\\(").Replace(")", "\\)");

    private static byte[] Latin(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>
    /// Windows-1252 bytes: Latin-1 plus the typographic characters French uses (’ « » — … œ €); others become '?'.
    /// </summary>
    private static byte[] WinAnsi(string text) => text.Select(c => c switch
    {
        '€' => (byte)0x80, '…' => (byte)0x85, '‘' => (byte)0x91, '’' => (byte)0x92,
        '“' => (byte)0x93, '”' => (byte)0x94,
        '•' => (byte)0x95, '–' => (byte)0x96, '—' => (byte)0x97, 'Œ' => (byte)0x8C, 'œ' => (byte)0x9C,
        _ when c <= 0xFF => (byte)c,
        _ => (byte)'?',
    }).ToArray();
}
