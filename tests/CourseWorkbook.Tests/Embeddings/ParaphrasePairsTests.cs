using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class ParaphrasePairsTests
{
    static readonly ParaphraseSet Tiny = new([
        new ParaphraseGroup(0, "train", "a", ["A1", "A2", "A3"], [new HardNegative("notA", 0, "negation")]),
        new ParaphraseGroup(1, "train", "b", ["B1", "B2"], [new HardNegative("notB", 1, "antonym")]),
        new ParaphraseGroup(2, "test", "c", ["C1", "C2", "C3"], []),
    ]);

    [Fact]
    public void Pairs_are_labelled_by_group_and_hard_negatives_by_the_group_they_imitate()
    {
        var items = Tiny.Items();      // A1 A2 A3 B1 B2 C1 C2 C3 notA notB
        var pairs = ParaphrasePairs.Build(items);
        string Name(int i) => items[i].Text;
        var byName = pairs.ToDictionary(p => (Name(p.First), Name(p.Second)));

        Assert.Equal(3 + 1 + 3, pairs.Count(p => p.Kind == PairKind.Paraphrase));
        Assert.All(pairs.Where(p => p.Kind == PairKind.Paraphrase), p => Assert.True(p.SameMeaning));
        Assert.Equal(PairKind.HardNegative, byName[("A2", "notA")].Kind);
        Assert.False(byName[("A2", "notA")].SameMeaning);
        Assert.Equal(PairKind.Unrelated, byName[("B1", "notA")].Kind);
        Assert.Equal(PairKind.Unrelated, byName[("A1", "C3")].Kind);
        Assert.DoesNotContain(pairs, p => items[p.First].IsHardNegative && items[p.Second].IsHardNegative);
        Assert.Equal(45 - 1, pairs.Count);  // all 10·9/2 pairs but notA–notB
    }

    [Fact]
    public void Auc_is_one_when_paraphrases_are_the_most_similar_pairs()
    {
        var items = Tiny.Items(Tiny.Train);    // A1 A2 A3 B1 B2 notA notB
        var similarity = Enumerable.Range(0, items.Count).Select(i => Enumerable.Range(0, items.Count)
            .Select(j => items[i].Group == items[j].Group && !items[i].IsHardNegative && !items[j].IsHardNegative ? 0.9f
                : items[i].Group == items[j].Group ? 0.8f : 0.1f).ToArray()).ToArray();
        var pairs = ParaphrasePairs.Build(items);
        Assert.Equal(1.0, ParaphrasePairs.Auc(similarity, pairs));
        Assert.Equal(1.0, ParaphrasePairs.Auc(similarity, pairs, PairKind.HardNegative));
    }

    [Fact]
    public void Training_pairs_come_from_the_training_split_only()
    {
        var pairs = ParaphrasePairs.TrainingPairs(Tiny);
        Assert.Equal(3 + 1, pairs.Count);
        Assert.Contains(new TrainingPair("A1", "A3", 0), pairs);
        Assert.DoesNotContain(pairs, p => p.Group == 2);

        var real = EmbeddingData.LoadParaphrases();
        var heldOut = real.Items(real.HeldOut).Select(i => i.Text).ToHashSet();
        var realPairs = ParaphrasePairs.TrainingPairs(real);
        Assert.NotEmpty(realPairs);
        Assert.DoesNotContain(realPairs, p => heldOut.Contains(p.Anchor) || heldOut.Contains(p.Positive));
        Assert.DoesNotContain(realPairs, p => real.Groups[p.Group].HardNegatives.Any(h => h.Text == p.Anchor || h.Text == p.Positive));
    }

    [Fact]
    public void With_hard_negatives_each_pair_carries_one_of_its_own_group_preferring_one_that_imitates_it()
    {
        var set = new ParaphraseSet([
            new ParaphraseGroup(0, "train", "a", ["A1", "A2", "A3"], [new HardNegative("notA1", 0, "negation"), new HardNegative("notA3", 2, "antonym")]),
            new ParaphraseGroup(1, "train", "b", ["B1", "B2"], []),
        ]);
        var pairs = ParaphrasePairs.TrainingPairs(set, hardNegatives: true).ToDictionary(p => (p.Anchor, p.Positive), p => p.HardNegative);
        Assert.Equal("notA1", pairs[("A1", "A2")]);          // only notA1 imitates A1 or A2
        Assert.Equal("notA3", pairs[("A2", "A3")]);          // only notA3 imitates A2 or A3
        Assert.Contains(pairs[("A1", "A3")], new[] { "notA1", "notA3" });
        Assert.Null(pairs[("B1", "B2")]);                    // group without hard negatives
        Assert.All(ParaphrasePairs.TrainingPairs(set), p => Assert.Null(p.HardNegative));

        var real = EmbeddingData.LoadParaphrases();
        var heldOut = real.Items(real.HeldOut).Select(i => i.Text).ToHashSet();
        var realPairs = ParaphrasePairs.TrainingPairs(real, hardNegatives: true);
        Assert.Contains(realPairs, p => p.HardNegative is not null);
        Assert.All(realPairs.Where(p => p.HardNegative is not null), p =>
        {
            Assert.Contains(p.HardNegative, real.Groups.Single(g => g.Id == p.Group).HardNegatives.Select(h => h.Text));
            Assert.False(heldOut.Contains(p.HardNegative!), p.HardNegative);
        });
    }

    [Fact]
    public void Training_batches_never_hold_two_pairs_of_one_group()
    {
        var set = EmbeddingData.LoadParaphrases();
        var pairs = ParaphrasePairs.TrainingPairs(set);
        var batches = ParaphrasePairs.Batches(pairs, 16, new Random(1));
        Assert.All(batches, b => Assert.Equal(b.Count, b.Select(p => p.Group).Distinct().Count()));
        Assert.All(batches, b => Assert.InRange(b.Count, 1, 16));
        Assert.Equal(pairs.OrderBy(p => p.Anchor).ThenBy(p => p.Positive), batches.SelectMany(b => b).OrderBy(p => p.Anchor).ThenBy(p => p.Positive));
    }
}
