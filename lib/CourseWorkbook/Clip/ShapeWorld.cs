namespace CourseWorkbook.Clip;

/// <summary>One object of the synthetic world: what it is and where.</summary>
public sealed record Scene(string Colour, string Shape, string Size, string Position)
{
    /// <summary>"red circle": the class a zero-shot classifier must name.</summary>
    public string Label => $"{Colour} {Shape}";

    /// <summary>The caption of the first template: "a small red circle on the left".</summary>
    public string Caption => ShapeWorld.CaptionTemplates[0](this);
}

/// <summary>An image and its caption.</summary>
public sealed record ImageCaption(Scene Scene, RgbImage Image, string Caption);

/// <summary>
/// A synthetic image–caption world, rendered deterministically: one shape (circle, square, triangle, cross) of one
/// colour (red, green, blue, yellow, purple), small or large, on the left, right, top or bottom of a noisy dark
/// background, with captions from templates. Four colour–shape COMBINATIONS are held out: training never shows a
/// blue circle, though it shows blue things and circles — the test of compositional generalisation.
/// </summary>
public static class ShapeWorld
{
    /// <summary>The colours and their RGB values.</summary>
    public static readonly IReadOnlyDictionary<string, (byte R, byte G, byte B)> Rgb =
        new Dictionary<string, (byte, byte, byte)>
        {
            ["red"] = (220, 40, 40), ["green"] = (40, 180, 60), ["blue"] = (50, 90, 230),
            ["yellow"] = (230, 210, 40), ["purple"] = (160, 60, 200),
        };

    /// <summary>Colour names.</summary>
    public static readonly string[] Colours = ["red", "green", "blue", "yellow", "purple"];
    /// <summary>Shape names.</summary>
    public static readonly string[] Shapes = ["circle", "square", "triangle", "cross"];
    /// <summary>Size names.</summary>
    public static readonly string[] Sizes = ["small", "large"];
    /// <summary>Position names.</summary>
    public static readonly string[] Positions = ["left", "right", "top", "bottom"];

    /// <summary>The colour–shape combinations training never shows (one per shape, each colour at most once).</summary>
    public static readonly IReadOnlySet<string> HeldOut =
        new HashSet<string> { "red triangle", "green cross", "blue circle", "yellow square" };

    /// <summary>Every colour–shape class, colour-major ("red circle", "red square", ...).</summary>
    public static IReadOnlyList<string> Labels { get; } =
        Colours.SelectMany(c => Shapes.Select(s => $"{c} {s}")).ToArray();

    /// <summary>Caption templates; training draws one at random for each image.</summary>
    public static readonly IReadOnlyList<Func<Scene, string>> CaptionTemplates =
    [
        s => $"a {s.Size} {s.Colour} {s.Shape} on the {s.Position}",
        s => $"a {s.Colour} {s.Shape}",
        s => $"the {s.Shape} on the {s.Position} is {s.Colour}",
        s => $"a photo of a {s.Size} {s.Colour} {s.Shape}",
    ];

    /// <summary>Every word the captions and prompts use.</summary>
    public static IReadOnlyList<string> Words { get; } =
        new[] { "a", "the", "on", "is", "photo", "of" }.Concat(Colours).Concat(Shapes).Concat(Sizes).Concat(Positions)
            .ToArray();

    /// <summary>A CLIP BPE tokenizer whose merges spell the world's words whole (see
    /// <see cref="ClipTokenizer.MergesForWords"/>).</summary>
    public static ClipTokenizer Tokenizer() => ClipTokenizer.FromMerges(ClipTokenizer.MergesForWords(Words));

    /// <summary>A random scene whose colour–shape combination is held out (when <paramref name="heldOut"/>) or
    /// not.</summary>
    public static Scene RandomScene(Random rng, bool heldOut = false)
    {
        while (true)
        {
            var scene = new Scene(Colours[rng.Next(Colours.Length)], Shapes[rng.Next(Shapes.Length)],
                Sizes[rng.Next(Sizes.Length)], Positions[rng.Next(Positions.Length)]);
            if (HeldOut.Contains(scene.Label) == heldOut) return scene;
        }
    }

    /// <summary><paramref name="count"/> images with captions (a random template each, or template
    /// <paramref name="template"/>), drawn from the seen or the held-out combinations.</summary>
    public static IReadOnlyList<ImageCaption> Sample(int count, Random rng, bool heldOut = false, int? template = null,
        int size = 32)
    {
        var list = new List<ImageCaption>(count);
        for (int i = 0; i < count; i++)
        {
            var scene = RandomScene(rng, heldOut);
            var caption = CaptionTemplates[template ?? rng.Next(CaptionTemplates.Count)](scene);
            list.Add(new ImageCaption(scene, Render(scene, rng, size), caption));
        }
        return list;
    }

    /// <summary>The images with their captions, for a notebook to show.</summary>
    public static Notebook.ImageGallery Gallery(IEnumerable<ImageCaption> pairs, int scale = 3) =>
        new(pairs.Select(p => (p.Image.Width, p.Image.Height, p.Image.Pixels, p.Caption)).ToList(), scale);

    /// <summary>Draws the scene on a <paramref name="size"/>×<paramref name="size"/> image: background noise, the
    /// position, size and colour jittered a little (all from <paramref name="rng"/>), edges anti-aliased by 4×4
    /// supersampling.</summary>
    public static RgbImage Render(Scene scene, Random rng, int size = 32)
    {
        if (!Rgb.TryGetValue(scene.Colour, out var rgb))
            throw new ArgumentException($"unknown colour '{scene.Colour}'");
        double cx = 0.5, cy = 0.5;
        switch (scene.Position)
        {
            case "left": cx = 0.28; break;
            case "right": cx = 0.72; break;
            case "top": cy = 0.28; break;
            case "bottom": cy = 0.72; break;
            default: throw new ArgumentException($"unknown position '{scene.Position}'");
        }
        cx += (rng.NextDouble() - 0.5) * 0.08;
        cy += (rng.NextDouble() - 0.5) * 0.08;
        double r = (scene.Size == "small" ? 0.13 : 0.22) * (0.9 + 0.2 * rng.NextDouble());
        var colour = new[] { rgb.R, rgb.G, rgb.B }.Select(v => Math.Clamp(v + rng.Next(-20, 21), 0, 255)).ToArray();
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int inside = 0;
                for (int sy = 0; sy < 4; sy++)
                    for (int sx = 0; sx < 4; sx++)
                    {
                        double dx = ((x + (sx + 0.5) / 4) / size - cx) / r, dy = ((y + (sy + 0.5) / 4) / size - cy) / r;
                        if (Inside(scene.Shape, dx, dy)) inside++;
                    }
                double cover = inside / 16.0;
                int background = 50 + rng.Next(-12, 13);
                for (int c = 0; c < 3; c++)
                    pixels[(y * size + x) * 3 + c] = (byte)Math.Round(cover * colour[c] + (1 - cover) * background);
            }
        return new RgbImage(size, size, pixels);
    }

    /// <summary>Whether the point (dx, dy), in radii from the shape's centre, is inside the shape.</summary>
    static bool Inside(string shape, double dx, double dy) => shape switch
    {
        "circle" => dx * dx + dy * dy <= 1,
        "square" => Math.Abs(dx) <= 0.85 && Math.Abs(dy) <= 0.85,
        "triangle" => dy >= -1 && dy <= 0.8 && Math.Abs(dx) <= (dy + 1) / 1.8,
        "cross" => (Math.Abs(dx) <= 0.3 && Math.Abs(dy) <= 1) || (Math.Abs(dy) <= 0.3 && Math.Abs(dx) <= 1),
        _ => throw new ArgumentException($"unknown shape '{shape}'"),
    };
}
