using CourseWorkbook.Data;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Data;

public class SyntheticDigitsTests : TorchTest
{
    [Fact]
    public void Same_seed_gives_the_same_images_and_another_seed_does_not()
    {
        var (a, la) = SyntheticDigits.Generate(20, seed: 5);
        var (b, lb) = SyntheticDigits.Generate(20, seed: 5);
        var (c, _) = SyntheticDigits.Generate(20, seed: 6);
        Assert.True(a.equal(b).all().item<bool>() && la.equal(lb).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
    }

    [Fact]
    public void Images_have_mnist_shape_range_and_balanced_labels()
    {
        var (x, y) = SyntheticDigits.Generate(100, seed: 1);
        Assert.Equal(new long[] { 100, 1, 28, 28 }, x.shape);
        Assert.True(x.min().item<float>() >= 0 && x.max().item<float>() <= 1);
        var counts = y.bincount(null).data<long>().ToArray();
        Assert.All(counts, n => Assert.Equal(10, n));
    }

    [Fact]
    public void Digits_carry_ink_in_the_centre_and_differ_between_classes()
    {
        var (x, y) = SyntheticDigits.Generate(200, seed: 2);
        // Ink covers a plausible fraction of the image (MNIST: ~10–20 %).
        var inkFraction = (x > 0.5).to_type(ScalarType.Float32).mean().item<float>();
        Assert.InRange(inkFraction, 0.05, 0.35);
        // Class means differ: the mean "1" and the mean "0" are far apart relative to pixel noise.
        var ones = x.index_select(0, nonzero(y.eq(1)).flatten()).mean([0]);
        var zeros = x.index_select(0, nonzero(y.eq(0)).flatten()).mean([0]);
        Assert.True((ones - zeros).abs().mean().item<float>() > 0.1);
    }

    [Fact]
    public void Rejects_a_digit_outside_0_to_9()
    {
        var buffer = new float[28 * 28];
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticDigits.Render(10, new Random(0), buffer));
    }
}
