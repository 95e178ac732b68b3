using CourseWorkbook.Data;
using CourseWorkbook.Tokenization;

namespace CourseWorkbook.Tests.Data;

public class StoryCorpusTests
{
    [Fact]
    public void The_corpus_holds_200_distinct_sentences()
    {
        var sentences = StoryCorpus.Sentences();
        Assert.Equal(200, sentences.Count);
        Assert.Equal(200, sentences.Distinct().Count());
    }

    [Fact]
    public void Encoding_adds_BOS_and_EOS_and_truncation_keeps_the_EOS()
    {
        var tokenizer = Tokenizers.Cl100k();
        const string text = "Once upon a time, there was a kind dragon who did not like fire at all.";
        var body = tokenizer.EncodePlain(text).Select(i => (long)i).ToArray();
        var full = StoryCorpus.Encode(tokenizer, text, maxLength: 100, bosId: 1, eosId: 2);
        Assert.Equal([1L, .. body, 2L], full);

        var cut = StoryCorpus.Encode(tokenizer, text, maxLength: 6, bosId: 1, eosId: 2);
        Assert.Equal([1L, .. body.Take(4), 2L], cut);
    }
}
