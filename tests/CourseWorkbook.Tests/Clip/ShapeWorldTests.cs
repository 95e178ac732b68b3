using CourseWorkbook.Clip;
using Xunit;

namespace CourseWorkbook.Tests.Clip;

public sealed class ShapeWorldTests
{
    [Fact]
    public void Same_seed_same_images_and_captions()
    {
        var a = ShapeWorld.Sample(20, new Random(5));
        var b = ShapeWorld.Sample(20, new Random(5));
        Assert.Equal(a.Select(p => p.Caption), b.Select(p => p.Caption));
        Assert.True(a.Zip(b).All(p => p.First.Image.Pixels.SequenceEqual(p.Second.Image.Pixels)));
    }

    [Fact]
    public void Training_samples_never_show_a_held_out_combination_and_held_out_samples_show_only_those()
    {
        var seen = ShapeWorld.Sample(400, new Random(1));
        var heldOut = ShapeWorld.Sample(100, new Random(2), heldOut: true);
        Assert.DoesNotContain(seen, p => ShapeWorld.HeldOut.Contains(p.Scene.Label));
        Assert.All(heldOut, p => Assert.Contains(p.Scene.Label, ShapeWorld.HeldOut));
        // every colour and every shape is still seen in training, only the pairings are new
        Assert.Equal(ShapeWorld.Colours.Length, seen.Select(p => p.Scene.Colour).Distinct().Count());
        Assert.Equal(ShapeWorld.Shapes.Length, seen.Select(p => p.Scene.Shape).Distinct().Count());
        Assert.Equal(16, seen.Select(p => p.Scene.Label).Distinct().Count());
    }

    [Fact]
    public void The_object_is_drawn_in_its_colour_at_its_position_and_size()
    {
        var rng = new Random(3);
        var large = ShapeWorld.Render(new Scene("blue", "square", "large", "left"), rng);
        var small = ShapeWorld.Render(new Scene("blue", "square", "small", "left"), rng);
        int Blue(RgbImage image, Func<int, bool> column) => Enumerable.Range(0, 32 * 32)
            .Count(i => column(i % 32) && image.Pixels[3 * i + 2] > 150 && image.Pixels[3 * i] < 120);
        Assert.Equal(0, Blue(large, x => x >= 16));       // on the left: nothing blue on the right half
        Assert.True(Blue(large, _ => true) > 2 * Blue(small, _ => true));
        // a square of half-side 0.85·r covers (1.7·r·32)² pixels: r ≈ 0.22 → ≈ 144
        Assert.InRange(Blue(large, _ => true), 90, 200);
    }

    [Fact]
    public void Captions_use_only_words_the_world_tokenizer_spells_whole()
    {
        var tokenizer = ShapeWorld.Tokenizer();
        foreach (var pair in ShapeWorld.Sample(50, new Random(4)))
        {
            var tokens = tokenizer.Tokenize(pair.Caption);
            Assert.Equal(pair.Caption.Split(' ').Length, tokens.Count);
            Assert.True(tokens.Count + 2 <= TinyClip.ContextLength);
        }
    }
}
