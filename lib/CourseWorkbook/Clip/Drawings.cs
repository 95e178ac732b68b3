using System.Runtime.InteropServices;
using SkiaSharp;

namespace CourseWorkbook.Clip;

/// <summary>
/// Pictures the workbook draws itself (no photograph to license or download), with SkiaSharp's anti-aliased
/// shapes. Practical 04's usage cell reads one back from <c>data/clip/rabbit.png</c>, written by
/// <c>tools/TrainClip --usage-image</c>.
/// </summary>
public static class Drawings
{
    /// <summary>The file name of the usage cell's picture in data/clip.</summary>
    public const string RabbitFileName = "rabbit.png";

    /// <summary>data/clip/rabbit.png, when the checkpoint folder is found; null otherwise.</summary>
    public static string? RabbitFile =>
        TinyClip.Folder is { } folder && File.Exists(Path.Combine(folder, RabbitFileName))
            ? Path.Combine(folder, RabbitFileName) : null;

    /// <summary>A sitting rabbit seen from the side, on grass under a pale sky: brown body and head, two long ears
    /// with pink insides, an eye, a white tail. Coordinates are fractions of <paramref name="size"/>.</summary>
    public static RgbImage Rabbit(int size = 320)
    {
        if (size < 16 || size > 4096) throw new ArgumentOutOfRangeException(nameof(size), size, "16..4096 pixels");
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Scale(size, size);
        canvas.Clear(new SKColor(205, 226, 240));
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };

        void Oval(float cx, float cy, float rx, float ry, SKColor colour, float degrees = 0)
        {
            paint.Color = colour;
            canvas.Save();
            canvas.RotateDegrees(degrees, cx, cy);
            canvas.DrawOval(cx, cy, rx, ry, paint);
            canvas.Restore();
        }

        paint.Color = new SKColor(120, 170, 90);
        canvas.DrawRect(0, 0.78f, 1, 0.22f, paint);                       // grass
        var fur = new SKColor(150, 110, 75);
        Oval(0.48f, 0.62f, 0.24f, 0.18f, fur);                            // body
        Oval(0.66f, 0.72f, 0.09f, 0.06f, fur);                            // front paw
        Oval(0.25f, 0.63f, 0.06f, 0.06f, new SKColor(245, 245, 240));    // tail
        Oval(0.70f, 0.44f, 0.12f, 0.11f, fur);                            // head
        Oval(0.63f, 0.22f, 0.045f, 0.16f, fur, -12);                      // back ear
        Oval(0.73f, 0.21f, 0.045f, 0.16f, fur, 10);                       // front ear
        Oval(0.73f, 0.22f, 0.022f, 0.12f, new SKColor(235, 170, 175), 10); // inside of the ear
        Oval(0.76f, 0.42f, 0.018f, 0.02f, new SKColor(25, 20, 20));       // eye
        Oval(0.815f, 0.47f, 0.014f, 0.011f, new SKColor(200, 120, 130));  // nose

        var rgba = new byte[info.BytesSize];
        var handle = GCHandle.Alloc(rgba,
            GCHandleType.Pinned);
        try
        {
            if (!surface.ReadPixels(info, handle.AddrOfPinnedObject(), info.RowBytes, 0, 0))
                throw new InvalidOperationException("SkiaSharp could not read the drawing back");
        }
        finally { handle.Free(); }
        return ImageFile.FromRgba(size, size, rgba);
    }
}
