using System.Text.RegularExpressions;

namespace CourseWorkbook.Retrieval;

/// <summary>Chunk size and overlap, in characters.</summary>
/// <param name="MaxChars">Longest chunk; short enough for the embedder (MiniLM reads about 128 words) and the
/// prompt.</param>
/// <param name="OverlapChars">Text repeated at the start of the next chunk, so a fact cut at a boundary is whole in one
/// of them.</param>
public sealed record ChunkOptions(int MaxChars = 600, int OverlapChars = 120)
{
    /// <summary>Throws when the sizes make no progress possible.</summary>
    public void Validate()
    {
        if (MaxChars < 20) throw new ArgumentException("MaxChars must be at least 20");
        if (OverlapChars < 0 || OverlapChars >= MaxChars / 2)
            throw new ArgumentException("OverlapChars must be in [0, MaxChars/2)");
    }
}

/// <summary>A piece of a longer text, with its position in that text.</summary>
public sealed record Chunk(int Index, int Start, int Length, string Text)
{
    /// <summary>One line: index, character range, start of the text.</summary>
    public override string ToString() =>
        $"#{Index} [{Start}..{Start + Length}) {(Text.Length > 80 ? Text[..80] + "…" : Text)}";
}

/// <summary>
/// Splits long texts into overlapping chunks for retrieval. Sentences (ended by . ! ? … or a line break) are packed
/// whole into chunks of at most <see cref="ChunkOptions.MaxChars"/>; the next chunk starts with the last sentences
/// of the previous one that fit in <see cref="ChunkOptions.OverlapChars"/>. A sentence longer than a chunk is cut
/// at word boundaries with the same overlap. Abbreviations (« M. Dupont ») are not special-cased.
/// </summary>
public static partial class Chunker
{
    /// <summary>The chunks of the text, in order (none for blank text).</summary>
    public static IReadOnlyList<Chunk> Split(string text, ChunkOptions? options = null)
    {
        options ??= new();
        options.Validate();
        var chunks = new List<Chunk>();
        var pieces = Sentences(text).SelectMany(s => s.End - s.Start <= options.MaxChars ? [s] : Cut(text, s, options))
            .ToList();
        var first = 0;
        while (first < pieces.Count)
        {
            // Pack pieces [first, last] while the span fits.
            var last = first;
            while (last + 1 < pieces.Count && pieces[last + 1].End - pieces[first].Start <= options.MaxChars) last++;
            var start = pieces[first].Start;
            var end = pieces[last].End;
            chunks.Add(new Chunk(chunks.Count, start, end - start, text[start..end]));
            if (last == pieces.Count - 1) break;
            // Overlap: restart at the earliest piece of this chunk that ends it within OverlapChars, if any.
            var next = last + 1;
            for (var i = first + 1; i <= last; i++)
                if (end - pieces[i].Start <= options.OverlapChars) { next = i; break; }
            first = next;
        }
        return chunks;
    }

    /// <summary>
    /// Chunks a document into documents with ids <c>{id}#c{n}</c> and the same date, section and source.
    /// </summary>
    public static IReadOnlyList<Document> ToDocuments(Document document, ChunkOptions? options = null) =>
        Split(document.Text, options).Select(c => document with { Id = $"{document.Id}#c{c.Index}", Text = c.Text })
            .ToList();

    /// <summary>Sentence spans (start, end) of the text, trimmed of surrounding white space.</summary>
    public static IReadOnlyList<(int Start, int End)> Sentences(string text)
    {
        var spans = new List<(int, int)>();
        var start = 0;
        foreach (Match m in SentenceEnd().Matches(text))
        {
            Add(start, m.Index + m.Length);
            start = m.Index + m.Length;
        }
        Add(start, text.Length);
        return spans;

        void Add(int from, int to)
        {
            while (from < to && char.IsWhiteSpace(text[from])) from++;
            while (to > from && char.IsWhiteSpace(text[to - 1])) to--;
            if (to > from) spans.Add((from, to));
        }
    }

    /// <summary>
    /// Cuts one over-long sentence into windows of at most MaxChars, ending on spaces, overlapping by about
    /// OverlapChars.
    /// </summary>
    private static IEnumerable<(int Start, int End)> Cut(string text, (int Start, int End) sentence,
        ChunkOptions options)
    {
        var start = sentence.Start;
        while (true)
        {
            if (sentence.End - start <= options.MaxChars) { yield return (start, sentence.End); yield break; }
            var end = text.LastIndexOf(' ', start + options.MaxChars, options.MaxChars);
            if (end <= start + options.OverlapChars) end = start + options.MaxChars; // one huge word: hard cut
            yield return (start, end);
            var next = text.IndexOf(' ', Math.Max(start + 1, end - options.OverlapChars),
                end - Math.Max(start + 1, end - options.OverlapChars));
            start = next < 0 ? end : next + 1;
            while (start < sentence.End && char.IsWhiteSpace(text[start])) start++;
        }
    }

    // End of a sentence: . ! ? … (with closing quotes or brackets) before white space, or a line break.
    [GeneratedRegex(@"[.!?…]+[»""')\]]*(?=\s)|\n+")]
    private static partial Regex SentenceEnd();
}
