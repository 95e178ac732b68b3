using CourseWorkbook.Data;

namespace CourseWorkbook.Tests.Data;

public class DataLoaderTests
{
    static DataLoader<int, int[]> Loader(int count, int batch, bool shuffle = true, int seed = 42,
        bool dropLast = false) =>
        new(Enumerable.Range(0, count).ToArray(), batch, items => items.ToArray(), shuffle, seed, dropLast);

    [Fact]
    public void Without_shuffling_batches_follow_the_dataset_order()
    {
        var batches = Loader(7, 3, shuffle: false).Epoch().ToList();
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], batches);
    }

    [Fact]
    public void Drop_last_skips_the_incomplete_batch_and_count_says_so()
    {
        Assert.Equal(3, Loader(7, 3).Count);
        var loader = Loader(7, 3, dropLast: true);
        Assert.Equal(2, loader.Count);
        Assert.All(loader.Epoch(), b => Assert.Equal(3, b.Length));
    }

    [Fact]
    public void A_shuffled_epoch_visits_every_item_once()
    {
        var epoch = Loader(50, 4).Epoch().SelectMany(b => b).ToList();
        Assert.Equal(Enumerable.Range(0, 50), epoch.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), epoch);
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_each_epoch_a_new_order()
    {
        var a = Loader(20, 4, seed: 7).Forever().Take(10).SelectMany(b => b).ToList();
        var b = Loader(20, 4, seed: 7).Forever().Take(10).SelectMany(b => b).ToList();
        var c = Loader(20, 4, seed: 8).Forever().Take(10).SelectMany(b => b).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a.Take(20), a.Skip(20).Take(20));   // epoch 2 is reshuffled
        Assert.Equal(Enumerable.Range(0, 20), a.Skip(20).Take(20).Order());
    }

    [Fact]
    public void The_first_epoch_is_a_Fisher_Yates_shuffle_of_a_generator_seeded_with_the_seed()
    {
        var expected = Enumerable.Range(0, 10).ToArray();
        new Random(42).Shuffle(expected);
        Assert.Equal(expected, Loader(10, 10).Epoch().Single());
    }

    [Fact]
    public void A_disposable_batch_is_disposed_when_the_next_one_is_asked_for()
    {
        var loader = new DataLoader<int, Probe>([1, 2, 3], 1, items => new Probe(items[0]), shuffle: false);
        var seen = new List<Probe>();
        foreach (var batch in loader.Epoch())
        {
            Assert.False(batch.Disposed);
            Assert.All(seen, b => Assert.True(b.Disposed));
            seen.Add(batch);
        }
        Assert.All(seen, b => Assert.True(b.Disposed));
        var first = loader.Forever().First();
        Assert.True(first.Disposed);   // the enumerator was disposed after First()
    }

    sealed class Probe(int value) : IDisposable
    {
        public int Value { get; } = value;
        public bool Disposed { get; private set; }
        public void Dispose() => Disposed = true;
    }

    [Fact]
    public void A_batch_size_below_one_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Loader(5, 0));
    }
}
