using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Clip;

/// <summary>An 8-bit RGB image, row by row, three bytes a pixel.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels)
{
    /// <summary>Checks that the pixel buffer has Width × Height × 3 bytes.</summary>
    public RgbImage Validate()
    {
        if (Width <= 0 || Height <= 0 || Pixels.Length != (long)Width * Height * 3)
            throw new ArgumentException(
                $"an RGB image of {Width}×{Height} needs {(long)Width * Height * 3} bytes, got {Pixels.Length}");
        return this;
    }
}

/// <summary>
/// CLIP's image preprocessing, as Hugging Face's CLIPImageProcessor does it for openai/clip-vit-base-patch32: resize
/// so the shortest side is 224 (the other side truncated: ⌊224·long/short⌋) with PIL's bicubic filter, centre-crop
/// 224×224, scale to [0, 1], normalise each channel with CLIP's mean and standard deviation.
/// </summary>
public static class ClipImageProcessor
{
    /// <summary>CLIP's per-channel mean (R, G, B), measured on its training images.</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation.</summary>
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>The whole pipeline for one image: pixel values [3, size, size], channel first.</summary>
    public static float[] Preprocess(RgbImage image, int size = 224)
    {
        return Normalize(Preprocessed(image, size));
    }

    /// <summary>The image the model sees, before scaling and normalisation: resized so the shortest side is
    /// <paramref name="size"/>, then centre-cropped to size × size.</summary>
    public static RgbImage Preprocessed(RgbImage image, int size = 224)
    {
        image.Validate();
        var (w, h) = ShortestSideTo(image.Width, image.Height, size);
        return CenterCrop(Resize(image, w, h), size, size);
    }

    /// <summary>A batch of images as pixel_values [B, 3, size, size].</summary>
    public static Tensor PixelValues(IEnumerable<RgbImage> images, int size = 224)
    {
        var list = images.Select(i => Preprocess(i, size)).ToList();
        return torch.tensor(list.SelectMany(x => x).ToArray(), new long[] { list.Count, 3, size, size });
    }

    /// <summary>Images already at the model's size, only scaled and normalised: [B, 3, H, W].</summary>
    public static Tensor Normalized(IReadOnlyList<RgbImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("no images");
        int w = images[0].Width, h = images[0].Height, n = 3 * w * h;
        var values = new float[images.Count * (long)n];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Width != w || images[i].Height != h)
                throw new ArgumentException($"image {i} is {images[i].Width}×{images[i].Height}, image 0 is {w}×{h}");
            Normalize(images[i].Validate()).CopyTo(values, (long)i * n);
        }
        return torch.tensor(values, new long[] { images.Count, 3, h, w });
    }

    /// <summary>The size after resizing the shortest side to <paramref name="size"/> (HF's rule).</summary>
    public static (int Width, int Height) ShortestSideTo(int width, int height, int size) =>
        width <= height ? (size, (int)((long)size * height / width)) : ((int)((long)size * width / height), size);

    /// <summary>(x/255 − mean)/std per channel, channel first [3, H, W].</summary>
    public static float[] Normalize(RgbImage image)
    {
        int n = image.Width * image.Height;
        var result = new float[3 * n];
        for (int p = 0; p < n; p++)
            for (int c = 0; c < 3; c++)
                result[c * n + p] = (image.Pixels[3 * p + c] / 255f - Mean[c]) / Std[c];
        return result;
    }

    /// <summary>The centre <paramref name="width"/>×<paramref name="height"/> window (offsets rounded down, as HF's
    /// center_crop; an image smaller than the window is padded with black around it).</summary>
    public static RgbImage CenterCrop(RgbImage image, int width, int height)
    {
        int top = (image.Height - height) / 2, left = (image.Width - width) / 2;
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int sy = y + top, sx = x + left;
                if (sy < 0 || sx < 0 || sy >= image.Height || sx >= image.Width) continue;
                Array.Copy(image.Pixels, (sy * image.Width + sx) * 3, pixels, (y * width + x) * 3, 3);
            }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Bicubic resizing as PIL's Image.resize(BICUBIC) does it: a separable filter (Keys' cubic, a = −0.5)
    /// whose support widens with the reduction factor (so downscaling averages instead of aliasing), horizontal pass
    /// then vertical, each with PIL's 22-bit fixed-point weights and rounding back to 8 bits.</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        image.Validate();
        if (width <= 0 || height <= 0) throw new ArgumentException($"cannot resize to {width}×{height}");
        var current = image;
        if (width != image.Width) current = Pass(current, width, horizontal: true);
        if (height != image.Height) current = Pass(current, height, horizontal: false);
        return current;
    }

    const int PrecisionBits = 32 - 8 - 2;

    static RgbImage Pass(RgbImage src, int outSize, bool horizontal)
    {
        int inSize = horizontal ? src.Width : src.Height;
        var (starts, weights) = Coefficients(inSize, outSize);
        int w = horizontal ? outSize : src.Width, h = horizontal ? src.Height : outSize;
        var dst = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int o = horizontal ? x : y;
                var k = weights[o];
                for (int c = 0; c < 3; c++)
                {
                    long ss = 1L << (PrecisionBits - 1);
                    for (int i = 0; i < k.Length; i++)
                    {
                        int s = starts[o] + i;
                        int index = horizontal ? (y * src.Width + s) * 3 + c : (s * src.Width + x) * 3 + c;
                        ss += src.Pixels[index] * (long)k[i];
                    }
                    dst[(y * w + x) * 3 + c] = (byte)Math.Clamp(ss >> PrecisionBits, 0, 255);
                }
            }
        return new RgbImage(w, h, dst);
    }

    /// <summary>For each output index, the first input index and the fixed-point weights (PIL's
    /// precompute_coeffs).</summary>
    static (int[] Starts, int[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 2.0 * filterScale;
        var starts = new int[outSize];
        var weights = new int[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int max = Math.Min((int)(center + support + 0.5), inSize) - min;
            var k = new double[max];
            double total = 0;
            for (int i = 0; i < max; i++) total += k[i] = Cubic((i + min - center + 0.5) / filterScale);
            starts[o] = min;
            weights[o] = k.Select(v => total == 0 ? v : v / total)
                .Select(v => (int)(v < 0 ? -0.5 + v * (1 << PrecisionBits) : 0.5 + v * (1 << PrecisionBits))).ToArray();
        }
        return (starts, weights);
    }

    /// <summary>Keys' cubic convolution kernel with a = −0.5 (PIL's bicubic).</summary>
    static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }
}
