using CourseWorkbook.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

public class TripletMlpTests : TorchTest
{
    [Fact]
    public void Has_the_layers_and_parameter_names_of_the_pytorch_sequential()
    {
        var mlp = TripletMlp.Create();
        var shapes = mlp.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], shapes.Keys);
        Assert.Equal([16L, 1], shapes["0.weight"]);
        Assert.Equal([2L, 16], shapes["2.weight"]);
        Assert.Equal(1 * 16 + 16 + 16 * 2 + 2, mlp.parameters().Sum(p => p.numel()));
        Assert.Equal([7L, 2], mlp.forward(zeros(7, 1)).shape);
    }

    [Fact]
    public void Folds_the_line_with_hand_set_weights()
    {
        // hidden units relu(x − 0.5) and relu(0.5 − x), summed: f(x) = |x − 0.5|, so f(−0.5) = f(1.5) = 1, f(0.5) = 0
        var mlp = TripletMlp.Create(hidden: 2, output: 1);
        using (no_grad())
        {
            var p = mlp.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            p["0.weight"].copy_(tensor(new float[] { 1, -1 }).reshape(2, 1));
            p["0.bias"].copy_(tensor(new float[] { -0.5f, 0.5f }));
            p["2.weight"].copy_(tensor(new float[] { 1, 1 }).reshape(1, 2));
            p["2.bias"].zero_();
            var y = mlp.forward(tensor(new float[] { -0.5f, 0.5f, 1.5f }).reshape(3, 1));
            Assert.Equal([1f, 0f, 1f], y.data<float>().ToArray());
        }
    }

    [Fact]
    public void Rejects_an_empty_layer()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TripletMlp.Create(hidden: 0));
    }
}
