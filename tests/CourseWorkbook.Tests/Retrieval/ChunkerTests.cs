using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class ChunkerTests
{
    private const string Text =
        "La médiathèque ouvre le mardi. Elle ferme le lundi ! Les DVD se prêtent une semaine. " +
        "Les livres se prêtent trois semaines? Une prolongation est possible.\nLes retards suspendent le prêt.";

    [Fact]
    public void Sentences_are_split_on_end_punctuation_and_line_breaks()
    {
        var sentences = Chunker.Sentences(Text).Select(s => Text[s.Start..s.End]).ToList();
        Assert.Equal(6, sentences.Count);
        Assert.Equal("Elle ferme le lundi !", sentences[1]);
        Assert.Equal("Les retards suspendent le prêt.", sentences[5]);
    }

    [Fact]
    public void Chunks_respect_the_size_cover_every_sentence_and_overlap()
    {
        var options = new ChunkOptions(MaxChars: 90, OverlapChars: 40);
        var chunks = Chunker.Split(Text, options);

        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 90));
        Assert.All(chunks, c => Assert.Equal(Text.Substring(c.Start, c.Length), c.Text));
        foreach (var s in Chunker.Sentences(Text))
            Assert.Contains(chunks, c => c.Start <= s.Start && s.End <= c.Start + c.Length);
        for (var i = 1; i < chunks.Count; i++)
        {
            Assert.True(chunks[i].Start > chunks[i - 1].Start, "chunks move forward");
            Assert.True(chunks[i].Start < chunks[i - 1].Start + chunks[i - 1].Length, "consecutive chunks overlap");
        }
    }

    [Fact]
    public void A_sentence_longer_than_a_chunk_is_cut_at_spaces_with_overlap()
    {
        var words = string.Join(' ', Enumerable.Range(1, 60).Select(i => $"mot{i}"));
        var chunks = Chunker.Split(words, new ChunkOptions(MaxChars: 100, OverlapChars: 20));
        Assert.All(chunks, c => Assert.True(c.Text.Length <= 100));
        Assert.All(chunks, c => Assert.Equal(c.Text.Trim(), c.Text));
        Assert.StartsWith("mot1 ", chunks[0].Text);
        Assert.EndsWith("mot60", chunks[^1].Text);
        for (var i = 1; i < chunks.Count; i++) Assert.True(chunks[i].Start < chunks[i - 1].Start + chunks[i - 1].Length);
        Assert.All(chunks.Skip(1), c => Assert.StartsWith("mot", c.Text));
    }

    [Fact]
    public void Short_and_blank_texts()
    {
        Assert.Empty(Chunker.Split("   \n "));
        var one = Assert.Single(Chunker.Split("  Une seule phrase.  "));
        Assert.Equal("Une seule phrase.", one.Text);
    }

    [Fact]
    public void Chunked_documents_keep_their_metadata()
    {
        var doc = new Document("guide", Text, new DateOnly(2024, 5, 1), "règlement", "guide.pdf");
        var chunks = Chunker.ToDocuments(doc, new ChunkOptions(90, 30));
        Assert.Equal("guide#c0", chunks[0].Id);
        Assert.All(chunks, c => Assert.Equal((doc.Date, doc.Section, doc.Source), (c.Date, c.Section, c.Source)));
    }

    [Fact]
    public void Options_that_cannot_progress_are_rejected() =>
        Assert.Throws<ArgumentException>(() => Chunker.Split(Text, new ChunkOptions(100, 60)));
}
