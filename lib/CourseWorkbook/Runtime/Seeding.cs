using TorchSharp;

namespace CourseWorkbook.Runtime;

/// <summary>Same seed, same numbers: seeds TorchSharp's generator and hands out seeded <see cref="Random"/>s.</summary>
public static class Seeding
{
    /// <summary>The seed set by the last <see cref="SeedAll"/> call (42 until then).</summary>
    public static int Seed { get; private set; } = 42;

    /// <summary>Seeds torch's default generator and remembers the seed for <see cref="Random"/>.</summary>
    public static void SeedAll(int seed)
    {
        TorchRuntime.EnsureLoaded();
        Seed = seed;
        torch.manual_seed(seed);
        torch.random.manual_seed(seed);
    }

    /// <summary>A <see cref="System.Random"/> derived from the global seed and a stream number, so that two parts of a
    /// notebook draw independent but reproducible numbers.</summary>
    public static Random Random(int stream = 0) => new(unchecked(Seed * 1_000_003 + stream));
}
