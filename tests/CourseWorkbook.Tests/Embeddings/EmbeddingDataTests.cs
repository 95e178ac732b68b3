using System.Text.RegularExpressions;
using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class EmbeddingDataTests
{
    static readonly ParaphraseSet Paraphrases = EmbeddingData.LoadParaphrases();
    static readonly TopicCorpus Topics = EmbeddingData.LoadTopics();

    static string Normalise(string s) => Regex.Replace(s.ToLowerInvariant(), @"\W+", " ").Trim();

    [Fact]
    public void Paraphrase_file_has_at_least_60_groups_of_3_to_5_sentences()
    {
        Assert.True(Paraphrases.Groups.Count >= 60, $"{Paraphrases.Groups.Count} groups");
        Assert.All(Paraphrases.Groups, g => Assert.InRange(g.Sentences.Count, 3, 5));
        Assert.Equal(Enumerable.Range(0, Paraphrases.Groups.Count), Paraphrases.Groups.Select(g => g.Id));
    }

    [Fact]
    public void Hard_negatives_point_at_a_sentence_of_their_group_and_share_its_words()
    {
        var negatives = Paraphrases.Groups.SelectMany(g => g.HardNegatives.Select(h => (g, h))).ToArray();
        Assert.True(negatives.Length >= Paraphrases.Groups.Count, $"{negatives.Length} hard negatives");
        Assert.True(Paraphrases.Groups.Count(g => g.HardNegatives.Count > 0) >= 60);
        foreach (var (g, h) in negatives)
        {
            var imitated = TfIdfEmbedder.Tokenize(g.Sentences[h.Imitates]).ToHashSet();
            var words = TfIdfEmbedder.Tokenize(h.Text);
            double overlap = words.Count(imitated.Contains) / (double)words.Count;
            Assert.True(overlap >= 0.5, $"'{h.Text}' shares only {overlap:P0} of its words with '{g.Sentences[h.Imitates]}'");
            Assert.False(string.IsNullOrWhiteSpace(h.Kind));
        }
        Assert.Contains(negatives, n => n.h.Text == "The man bit the dog." && n.g.Sentences.Contains("The dog bit the man."));
    }

    [Fact]
    public void Paraphrase_sentences_are_unique()
    {
        var all = Paraphrases.Items().Select(i => Normalise(i.Text)).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void Paraphrase_held_out_split_is_every_fifth_original_group_and_disjoint_from_training()
    {
        // Held out: every fifth group of the original 65 (ids 0-64); groups added later (ids >= 65) are all training groups.
        Assert.All(Paraphrases.Groups, g => Assert.Equal(g.Id < EmbeddingData.OriginalParaphraseGroups && g.Id % 5 == 4 ? EmbeddingData.TestSplit : EmbeddingData.TrainSplit, g.Split));
        Assert.Equal(13, Paraphrases.HeldOut.Count);
        var train = Paraphrases.Items(Paraphrases.Train).Select(i => Normalise(i.Text)).ToHashSet();
        Assert.DoesNotContain(Paraphrases.Items(Paraphrases.HeldOut), i => train.Contains(Normalise(i.Text)));
    }

    // Function words that say nothing of a sentence's meaning; what is left are its content words.
    static readonly HashSet<string> FunctionWords =
    [
        "a", "an", "the", "and", "or", "but", "so", "if", "because", "of", "to", "in", "on", "at", "by", "for", "with", "from",
        "up", "down", "out", "off", "over", "into", "about", "than", "then", "as", "that", "this", "these", "those", "it", "its",
        "it's", "i", "i'm", "me", "my", "we", "our", "us", "you", "your", "he", "him", "his", "she", "her", "they", "them",
        "their", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had", "will",
        "would", "can", "could", "should", "must", "may", "might", "not", "no", "there", "here", "what", "which", "who",
        "when", "where", "how", "all", "any", "some", "very", "too", "just", "also", "get", "got", "one",
    ];

    static HashSet<string> ContentWords(ParaphraseGroup g) =>
        g.Sentences.Concat(g.HardNegatives.Select(h => h.Text)).SelectMany(TfIdfEmbedder.Tokenize).Where(w => !FunctionWords.Contains(w)).ToHashSet();

    [Fact]
    public void Groups_added_later_do_not_restate_a_held_out_group()
    {
        // The rule the added groups were filtered by (data/embeddings/README.md): no group with id >= 65 shares more than
        // 20 % of its content words (Jaccard index) with a held-out group, so no held-out meaning leaks into training.
        var heldOut = Paraphrases.HeldOut.Select(g => (g, words: ContentWords(g))).ToArray();
        foreach (var added in Paraphrases.Groups.Where(g => g.Id >= EmbeddingData.OriginalParaphraseGroups))
        {
            var words = ContentWords(added);
            foreach (var (held, heldWords) in heldOut)
            {
                double jaccard = words.Intersect(heldWords).Count() / (double)words.Union(heldWords).Count();
                Assert.True(jaccard <= 0.2, $"group {added.Id} ('{added.Theme}') shares {jaccard:P0} of its content words with held-out group {held.Id}");
            }
        }
    }

    [Fact]
    public void Topic_corpus_has_at_least_80_unique_headlines_per_class()
    {
        Assert.Equal(["world", "sports", "business", "sci/tech"], Topics.Topics);
        foreach (var (topic, label) in Topics.Topics.Select((t, i) => (t, i)))
        {
            var headlines = Topics.Headlines.Where(h => h.Topic == topic).ToArray();
            Assert.True(headlines.Length >= 80, $"{topic}: {headlines.Length}");
            Assert.All(headlines, h => Assert.Equal(label, h.Label));
        }
        var texts = Topics.Headlines.Select(h => Normalise(h.Text)).ToArray();
        Assert.Equal(texts.Length, texts.Distinct().Count());
        Assert.Equal(Topics.Headlines.Count, Topics.Headlines.Select(h => h.Id).Distinct().Count());
    }

    [Fact]
    public void Topic_held_out_split_covers_every_class_and_is_disjoint()
    {
        Assert.Equal(Topics.Headlines.Count, Topics.Train.Count + Topics.HeldOut.Count);
        foreach (var topic in Topics.Topics)
        {
            int all = Topics.Headlines.Count(h => h.Topic == topic), held = Topics.HeldOut.Count(h => h.Topic == topic);
            Assert.InRange(held / (double)all, 0.15, 0.25);
        }
        var train = Topics.Train.Select(h => Normalise(h.Text)).ToHashSet();
        Assert.DoesNotContain(Topics.HeldOut, h => train.Contains(Normalise(h.Text)));
    }

    [Fact]
    public void Loader_rejects_a_line_with_an_unknown_split()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{"id": 0, "topic": "world", "split": "dev", "text": "A headline"}""" + "\n");
            var error = Assert.Throws<InvalidDataException>(() => EmbeddingData.LoadTopics(path));
            Assert.Contains(":1:", error.Message);
        }
        finally { File.Delete(path); }
    }
}
