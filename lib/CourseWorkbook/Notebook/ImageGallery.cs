using System.Net;
using System.Text;

namespace CourseWorkbook.Notebook;

/// <summary>Small RGB images shown in a row with their captions (PNG, embedded in the HTML, enlarged without
/// smoothing so that every pixel the model sees stays visible).</summary>
public sealed record ImageGallery(IReadOnlyList<(int Width, int Height, byte[] Rgb, string Caption)> Items,
    int Scale = 3)
{
    /// <summary>The gallery as HTML: one figure per image.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder("<div style=\"display:flex;flex-wrap:wrap;gap:8px\">");
        foreach (var (w, h, rgb, caption) in Items)
        {
            if (rgb.Length != w * h * 3) throw new ArgumentException($"'{caption}': {w}×{h} needs {w * h * 3} bytes");
            var rgba = new byte[w * h * 4];
            for (int i = 0; i < w * h; i++)
            {
                rgba[4 * i] = rgb[3 * i]; rgba[4 * i + 1] = rgb[3 * i + 1]; rgba[4 * i + 2] = rgb[3 * i + 2];
                rgba[4 * i + 3] = 255;
            }
            var png = Convert.ToBase64String(Plotting.PngImage.Encode(w, h, rgba));
            html.Append($"<figure style=\"margin:0;width:{w * Scale}px;font-size:11px\">")
                .Append($"<img width=\"{w * Scale}\" height=\"{h * Scale}\" style=\"image-rendering:pixelated\" ")
                .Append($"src=\"data:image/png;base64,{png}\"/>")
                .Append($"<figcaption>{WebUtility.HtmlEncode(caption)}</figcaption></figure>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>The captions, one a line.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Items.Select(i => $"[{i.Width}×{i.Height}] {i.Caption}"));
}
