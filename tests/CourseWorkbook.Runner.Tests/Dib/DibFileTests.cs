using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Tests.Dib;

/// <summary>Reading a .dib from disk: what is not UTF-8 text is refused with its place, odd line endings are read.</summary>
public class DibFileTests
{
    private static string Write(byte[] bytes)
    {
        var path = Path.Combine(TestPaths.NewTempDirectory("dibfile"), "n.dib");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Bare_CR_line_endings_are_read_as_line_ends()
    {
        var path = Write("#!markdown\r\r# Title\r\r#!csharp\r\rvar x = 1;\rx\r"u8.ToArray());

        var document = DibParser.ParseFile(path);

        Assert.Equal(["markdown", "csharp"], document.Cells.Select(c => c.KernelName));
        Assert.Equal("var x = 1;\nx", document.Cells[1].Source);
    }

    [Fact]
    public void A_NUL_byte_is_refused_with_its_line_and_byte_offset()
    {
        var path = Write([.. "#!csharp\n\n1\n"u8.ToArray(), 0, 1, 2]);

        var e = Assert.Throws<DibFormatException>(() => DibParser.ParseFile(path));

        Assert.Equal(4, e.Line);
        Assert.Contains("NUL byte at byte offset 12", e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void Invalid_UTF8_is_refused_with_its_byte_offset()
    {
        var path = Write([.. "#!csharp\n\n\"caf"u8.ToArray(), 0xC3, 0x28, (byte)'"', (byte)'\n']);

        var e = Assert.Throws<DibFormatException>(() => DibParser.ParseFile(path));

        Assert.Contains("invalid UTF-8 at byte offset 14", e.Message);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void A_byte_order_mark_is_skipped()
    {
        var path = Write([0xEF, 0xBB, 0xBF, .. "#!csharp\n\n1\n"u8.ToArray()]);

        Assert.Equal("1", Assert.Single(DibParser.ParseFile(path).Cells).Source);
    }

    [Fact]
    public void A_markdown_line_that_merely_starts_with_meta_is_not_the_metadata_block()
    {
        var document = DibParser.Parse("#!markdown\n\n#!metadata is a word here\n\n#!csharp\n\n1\n");

        Assert.Null(document.MetadataJson);
        Assert.Equal("#!metadata is a word here", document.Cells[0].Source);
    }
}
