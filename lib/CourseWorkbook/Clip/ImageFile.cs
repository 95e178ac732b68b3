using System.Runtime.InteropServices;
using CourseWorkbook.Runtime;
using SkiaSharp;

namespace CourseWorkbook.Clip;

/// <summary>
/// Image files in and out, through SkiaSharp (Google's Skia: libpng, libjpeg-turbo, libwebp). Reading gives what
/// PIL's <c>Image.open(path).convert("RGB")</c> gives, which is where Hugging Face's CLIPImageProcessor starts: 8-bit
/// RGB, alpha dropped (not blended), grey replicated to three channels, palettes expanded, no EXIF rotation.
/// </summary>
public static class ImageFile
{
    /// <summary>The largest side read, in pixels; a larger image is refused before any pixel is allocated.</summary>
    public const int MaxSide = 16_384;

    /// <summary>The largest image read, in pixels (64 megapixels, 256 MB decoded).</summary>
    public const long MaxPixels = 64L << 20;

    /// <summary>The largest file read, in bytes.</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Reads a PNG, JPEG, WebP, GIF (first frame) or BMP file as 8-bit RGB. A missing file, a format
    /// SkiaSharp does not know, a truncated or corrupt file and an image over the size limits each throw an error
    /// naming the file.</summary>
    public static RgbImage Read(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new FileNotFoundException($"{path}: no such image file", path);
        if (file.Length > MaxFileBytes)
            throw new InvalidDataException(
                $"{path}: {file.Length:N0} bytes, over the {MaxFileBytes:N0} an image may have");
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes an image file's bytes (<paramref name="name"/> names it in errors).</summary>
    public static RgbImage Decode(byte[] bytes, string name = "image")
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec is null)
            throw new InvalidDataException(
                $"{name}: not an image file SkiaSharp can read (PNG, JPEG, WebP, GIF, BMP): {Describe(opened)}; "
                + $"first bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}");

        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
            throw new InvalidDataException(
                $"{name}: {width}×{height} pixels is outside what this reader accepts "
                + $"(sides 1..{MaxSide}, at most {MaxPixels:N0} pixels)");

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult result;
        try { result = codec.GetPixels(info, handle.AddrOfPinnedObject()); }
        finally { handle.Free(); }
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"{name}: the {codec.EncodedFormat} data could not be decoded: "
                                           + Describe(result));

        return FromRgba(width, height, rgba);
    }

    /// <summary>An RGB image from RGBA bytes, the alpha dropped (as PIL's convert("RGB") does).</summary>
    internal static RgbImage FromRgba(int width, int height, byte[] rgba)
    {
        var rgb = new byte[width * height * 3];
        for (int p = 0, q = 0; p < rgba.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }
        return new RgbImage(width, height, rgb);
    }

    /// <summary>Writes an RGB image as a PNG (lossless), atomically: the file appears whole or not at all.</summary>
    public static void WritePng(string path, RgbImage image)
    {
        image.Validate();
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[info.BytesSize];
        for (int p = 0, q = 0; q < image.Pixels.Length; p += 4, q += 3)
        {
            rgba[p] = image.Pixels[q];
            rgba[p + 1] = image.Pixels[q + 1];
            rgba[p + 2] = image.Pixels[q + 2];
            rgba[p + 3] = 255;
        }
        using var bitmap = new SKBitmap();
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        try
        {
            if (!bitmap.InstallPixels(info, handle.AddrOfPinnedObject(), info.RowBytes))
                throw new InvalidOperationException(
                    $"{path}: SkiaSharp refused a {image.Width}×{image.Height} bitmap");
            using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"{path}: SkiaSharp could not encode the PNG");
            AtomicFile.WriteAllBytes(path, encoded.AsSpan());
        }
        finally { handle.Free(); }
    }

    static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the file is truncated or corrupt",
        SKCodecResult.Unimplemented => "an encoding this decoder does not implement",
        SKCodecResult.InvalidInput => "the data is not an image",
        _ => result.ToString(),
    };
}
