using CourseWorkbook.Runtime;

namespace CourseWorkbook.Tests;

/// <summary>Base class of tests that use TorchSharp: loads the natives once.</summary>
public abstract class TorchTest
{
    static TorchTest() => TorchRuntime.EnsureLoaded();
}
