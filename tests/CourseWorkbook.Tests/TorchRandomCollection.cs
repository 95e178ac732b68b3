namespace CourseWorkbook.Tests;

/// <summary>
/// Tests that compare two seeded runs: torch's default generator is process-wide, and dropout draws from it on every training
/// step, so a test running in parallel would interleave its draws. This collection runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRandomCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "torch's global random generator";
}
