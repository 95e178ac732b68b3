using CourseWorkbook.Runtime;
using TorchSharp;

namespace CourseWorkbook.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void Loads_natives_and_runs_a_tensor_operation()
    {
        var report = TorchRuntime.EnsureLoaded();
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        using var b = (a * a).sum();
        Assert.Equal(14f, b.item<float>());
        Assert.NotNull(report.LibTorchSharpPath);
    }

    [Fact]
    public void Loading_twice_returns_the_same_report()
    {
        Assert.Same(TorchRuntime.EnsureLoaded(), TorchRuntime.EnsureLoaded());
    }

    [Fact]
    public void Uses_a_patched_copy_exactly_when_the_system_libstdcxx_lacks_the_version()
    {
        var report = TorchRuntime.EnsureLoaded();
        if (!OperatingSystem.IsLinux()) return;
        var original = TestNatives.OriginalLibTorchSharp();
        var missing = TorchRuntime.MissingLibstdcxxVersions(File.ReadAllBytes(original), original);
        Assert.Equal(missing.Contains(TorchRuntime.HarmlessGlibcxxVersion), report.PatchedGlibcxx);
        if (report.PatchedGlibcxx)
        {
            var needs = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(report.LibTorchSharpPath!));
            Assert.All(needs.Where(n => n.Version == TorchRuntime.HarmlessGlibcxxVersion), n => Assert.True(n.IsWeak));
        }
    }
}

static class TestNatives
{
    /// <summary>The unpatched libLibTorchSharp.so in the NuGet cache.</summary>
    public static string OriginalLibTorchSharp()
    {
        var asm = typeof(torch).Assembly;
        var version = asm.GetName().Version!.ToString(3);
        foreach (var root in TorchRuntime.PackageRoots(asm))
        {
            var p = Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException("libLibTorchSharp.so not found in the NuGet cache");
    }
}
