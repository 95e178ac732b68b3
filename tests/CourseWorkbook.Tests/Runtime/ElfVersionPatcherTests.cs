using CourseWorkbook.Runtime;

namespace CourseWorkbook.Tests.Runtime;

public class ElfVersionPatcherTests
{
    [Fact]
    public void Reads_the_libstdcxx_requirements_of_LibTorchSharp()
    {
        if (!OperatingSystem.IsLinux()) return;
        var needs = ElfVersionPatcher.ReadVersionNeeds(File.ReadAllBytes(TestNatives.OriginalLibTorchSharp()));
        var glibcxx = needs.Where(n => n.File == "libstdc++.so.6").Select(n => n.Version).ToList();
        Assert.Contains("GLIBCXX_3.4.32", glibcxx);
        Assert.Contains("GLIBCXX_3.4", glibcxx);
        Assert.Contains(needs, n => n.File == "libc.so.6" && n.Version.StartsWith("GLIBC_2."));
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void Marking_a_version_weak_changes_only_that_entry()
    {
        if (!OperatingSystem.IsLinux()) return;
        var bytes = File.ReadAllBytes(TestNatives.OriginalLibTorchSharp());
        var before = ElfVersionPatcher.ReadVersionNeeds(bytes);
        var copy = (byte[])bytes.Clone();
        Assert.Equal(1, ElfVersionPatcher.MarkVersionWeak(copy, "GLIBCXX_3.4.32"));
        var after = ElfVersionPatcher.ReadVersionNeeds(copy);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
            Assert.Equal(before[i].Version == "GLIBCXX_3.4.32", after[i].IsWeak);
        // Only the two flag bytes of that entry differ.
        int differing = bytes.Zip(copy).Count(p => p.First != p.Second);
        Assert.Equal(1, differing);
        // Idempotent.
        Assert.Equal(0, ElfVersionPatcher.MarkVersionWeak(copy, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void Reads_version_definitions_of_the_system_libstdcxx()
    {
        const string path = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        if (!File.Exists(path)) return;
        var defs = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(path));
        Assert.Contains("GLIBCXX_3.4", defs);
        Assert.Contains("CXXABI_1.3", defs);
    }

    [Fact]
    public void Truncated_file_gives_an_error_naming_file_and_offset()
    {
        if (!OperatingSystem.IsLinux()) return;
        var bytes = File.ReadAllBytes(TestNatives.OriginalLibTorchSharp())[..4096];
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadVersionNeeds(bytes, "lib.so"));
        Assert.Contains("lib.so", e.Message);
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void Non_elf_input_is_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadVersionNeeds(new byte[100], "x.so"));
        Assert.Contains("not an ELF file", e.Message);
        Assert.Throws<InvalidDataException>(() => ElfVersionPatcher.ReadVersionNeeds(new byte[10], "x.so"));
    }
}
