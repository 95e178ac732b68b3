using CourseWorkbook.Clip;
using Xunit;

namespace CourseWorkbook.Tests.Clip;

/// <summary>Against PIL (Image.resize BICUBIC) and numpy, in reference/resize.json (make_references.py).</summary>
public sealed class ClipImageProcessorTests
{
    /// <summary>The formula of make_references.py's image_from_formula: a ramp, a checkerboard, a product pattern.</summary>
    static RgbImage Image(int w, int h)
    {
        var p = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                p[i] = (byte)((x * 37 + y * 11) % 256);
                p[i + 1] = (byte)((x / 3 + y / 2) % 2 == 0 ? 255 : 10);
                p[i + 2] = (byte)((x * y * 7 + 3) % 256);
            }
        return new RgbImage(w, h, p);
    }

    [Fact]
    public void Bicubic_resize_matches_pil_byte_for_byte_down_and_up()
    {
        var reference = ClipReference.Json("resize.json");
        var source = Image(40, 30);
        foreach (var r in reference.GetProperty("resized").EnumerateArray())
        {
            int w = r.GetProperty("width").GetInt32(), h = r.GetProperty("height").GetInt32();
            var expected = Convert.FromBase64String(r.GetProperty("rgb").GetString()!);
            var actual = ClipImageProcessor.Resize(source, w, h).Pixels;
            int worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst == 0, $"{w}×{h}: largest difference {worst} levels");
        }
    }

    [Fact]
    public void Preprocess_matches_hugging_faces_clip_pipeline()
    {
        var reference = ClipReference.Json("resize.json");
        var pixels = ClipImageProcessor.Preprocess(Image(40, 30));
        Assert.Equal(3 * 224 * 224, pixels.Length);
        foreach (var pair in reference.GetProperty("pixel_values_sample").EnumerateArray())
            Assert.Equal(pair[1].GetSingle(), pixels[pair[0].GetInt32()], 4);
        var means = reference.GetProperty("pixel_values_mean").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int c = 0; c < 3; c++)
            Assert.Equal(means[c], pixels.Skip(c * 224 * 224).Take(224 * 224).Average(v => (double)v), 4);
    }

    [Fact]
    public void Shortest_side_goes_to_224_and_the_other_is_truncated()
    {
        Assert.Equal((298, 224), ClipImageProcessor.ShortestSideTo(40, 30, 224));
        Assert.Equal((224, 336), ClipImageProcessor.ShortestSideTo(100, 150, 224));
        Assert.Equal((224, 224), ClipImageProcessor.ShortestSideTo(5, 5, 224));
    }

    [Fact]
    public void Center_crop_takes_the_middle_rounding_the_offsets_down()
    {
        var crop = ClipImageProcessor.CenterCrop(Image(5, 4), 2, 2);   // offsets (5−2)/2 = 1, (4−2)/2 = 1
        Assert.Equal(Image(5, 4).Pixels.Skip((1 * 5 + 1) * 3).Take(6), crop.Pixels.Take(6));
    }

    [Fact]
    public void A_pixel_buffer_of_the_wrong_size_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => ClipImageProcessor.Preprocess(new RgbImage(4, 4, new byte[47])));
        Assert.Contains("4×4 needs 48 bytes, got 47", e.Message);
    }
}
