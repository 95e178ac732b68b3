using System.Text.Json;
using CourseWorkbook.Clip;
using CourseWorkbook.Tests.Embeddings;
using Xunit;

namespace CourseWorkbook.Tests.Clip;

/// <summary>SkiaSharp's decoding against PIL's (Image.open(f).convert("RGB")), on the files images/make_images.py
/// writes, and CLIP's preprocessing of a decoded JPEG against PIL + numpy.</summary>
public sealed class ImageFileTests
{
    static string FilePath(string name) => FixtureFiles.InTests("Clip", "images", name);

    static JsonElement Expected(string name) =>
        JsonDocument.Parse(File.ReadAllText(FilePath("expected.json"))).RootElement.GetProperty(name);

    [Theory]
    [InlineData("rgba.png")]     // alpha varies across the image: dropped, not blended
    [InlineData("gray.png")]     // one channel: replicated
    [InlineData("palette.png")]  // 16 colours: expanded
    public void Png_reads_as_pil_converts_it_to_rgb(string name)
    {
        var expected = Expected(name);
        var image = ImageFile.Read(FilePath(name));
        Assert.Equal(expected.GetProperty("width").GetInt32(), image.Width);
        Assert.Equal(expected.GetProperty("height").GetInt32(), image.Height);
        Assert.Equal(Convert.FromBase64String(expected.GetProperty("rgb").GetString()!), image.Pixels);
    }

    [Theory]
    [InlineData("photo.jpg")]     // 4:2:0 chroma subsampling (PIL's default)
    [InlineData("photo444.jpg")]  // no subsampling
    public void Jpeg_reads_as_pil_decodes_it(string name)
    {
        // Both are libjpeg-turbo with the accurate integer IDCT; the upsampling of subsampled chroma may round
        // differently between builds, so a level or two is allowed, and nothing systematic.
        var expected = Convert.FromBase64String(Expected(name).GetProperty("rgb").GetString()!);
        var image = ImageFile.Read(FilePath(name));
        Assert.Equal((48, 40), (image.Width, image.Height));
        var differences = expected.Zip(image.Pixels, (e, a) => Math.Abs(e - a)).ToArray();
        Assert.True(differences.Max() <= 2, $"largest difference {differences.Max()} levels");
        Assert.True(differences.Average() < 0.25, $"mean difference {differences.Average():F3} levels");
    }

    [Fact]
    public void Clip_preprocessing_of_a_decoded_jpeg_matches_pil_and_numpy()
    {
        var expected = Expected("photo.jpg");
        var pixelValues = ClipImageProcessor.Preprocess(ImageFile.Read(FilePath("photo.jpg")));
        Assert.Equal(3 * 224 * 224, pixelValues.Length);
        foreach (var at in expected.GetProperty("pixel_values_at").EnumerateArray())
        {
            int c = at[0].GetInt32(), y = at[1].GetInt32(), x = at[2].GetInt32();
            // One level of 255 after dividing by CLIP's std (≈ 0.27) is 0.0146: the JPEG decoders may differ by that.
            Assert.InRange(pixelValues[(c * 224 + y) * 224 + x], at[3].GetDouble() - 0.03, at[3].GetDouble() + 0.03);
        }
        var means = expected.GetProperty("pixel_values_channel_means").EnumerateArray().ToArray();
        for (int c = 0; c < 3; c++)
        {
            double mean = pixelValues.AsSpan(c * 224 * 224, 224 * 224).ToArray().Average();
            Assert.InRange(mean, means[c].GetDouble() - 2e-3, means[c].GetDouble() + 2e-3);
        }
    }

    [Fact]
    public void A_written_png_reads_back_byte_for_byte()
    {
        var pixels = new byte[31 * 17 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 131 % 251);
        var image = new RgbImage(31, 17, pixels);
        var path = Path.Combine(Path.GetTempPath(), $"cw-image-{Guid.NewGuid():N}.png");
        try
        {
            ImageFile.WritePng(path, image);
            var back = ImageFile.Read(path);
            Assert.Equal((31, 17), (back.Width, back.Height));
            Assert.Equal(pixels, back.Pixels);
            Assert.Equal(0x89, File.ReadAllBytes(path)[0]);   // the PNG signature
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("broken.png", "truncated or corrupt")]
    [InlineData("not-an-image.png", "not an image file")]
    public void A_bad_file_is_an_error_naming_it(string name, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Read(FilePath(name)));
        Assert.Contains(name, error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ImageFile.Read("/nonexistent/cat.jpg"));
        Assert.Contains("/nonexistent/cat.jpg", error.Message);
    }

    [Fact]
    public void An_image_too_large_is_refused_before_its_pixels_are_allocated()
    {
        // A valid PNG (signature, IHDR with its CRC, an empty IDAT, IEND) claiming 20,000 × 20,000 pixels: 1.6 GB
        // decoded, from 90 bytes. The header alone is read; no pixel buffer is made.
        var png = Convert.FromHexString("89504E470D0A1A0A"
            + "0000000D4948445200004E2000004E2008020000006C12D16E"
            + "0000000849444154789C030000000001480689D2"
            + "0000000049454E44AE426082");
        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(png, "huge.png"));
        Assert.Contains("huge.png", error.Message);
        Assert.Contains("20000×20000 pixels is outside", error.Message);
    }

    [Fact]
    public void The_shipped_rabbit_is_what_its_reproduce_command_draws()
    {
        var folder = TinyClip.Folder ?? throw new InvalidOperationException("data/clip not found");
        var shipped = ImageFile.Read(Path.Combine(folder, Drawings.RabbitFileName));
        var drawn = Drawings.Rabbit();
        Assert.Equal((drawn.Width, drawn.Height), (shipped.Width, shipped.Height));
        // Same Skia, same bytes; another CPU's vector paths may round an anti-aliased edge pixel differently.
        var differences = drawn.Pixels.Zip(shipped.Pixels, (a, b) => Math.Abs(a - b)).ToArray();
        Assert.True(differences.Average() < 0.05, $"mean difference {differences.Average():F3} levels");
        Assert.True(differences.Count(d => d > 8) < 100, $"{differences.Count(d => d > 8)} values differ by over 8 levels");
    }
}
