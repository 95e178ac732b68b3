using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

public class TrainingLoopTests : TorchTest
{
    [Fact]
    public void Fits_a_line_records_the_curve_and_writes_tensorboard_events()
    {
        manual_seed(0);
        var model = nn.Linear(1, 1);
        var x = linspace(-1, 1, 64).reshape(64, 1);
        var y = 3 * x + 0.5;
        var dir = Path.Combine(Path.GetTempPath(), "cw-tb-" + Guid.NewGuid().ToString("N"));
        try
        {
            var log = new TensorBoardLog(dir);
            var curve = TrainingLoop.Run("line", 300, optim.Adam(model.parameters(), 0.05),
                _ => nn.functional.mse_loss(model.forward(x), y), log, logEvery: 10);
            Assert.Equal(31, curve.Steps.Count); // steps 0,10,...,290 and the last step 299
            Assert.True(curve.Final < 1e-3, $"final loss {curve.Final}");
            Assert.True(curve.Losses[0] > 100 * curve.Final);
            var events = log.EventFiles();
            Assert.Single(events);
            Assert.True(new FileInfo(events[0]).Length > 31 * 20, "one event per logged scalar");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_diverging_loss_stops_with_a_clear_error()
    {
        var w = nn.Parameter(ones(1));
        var e = Assert.Throws<InvalidOperationException>(() =>
            TrainingLoop.Run("nan", 5, optim.SGD([w], 0.1), _ => (w * float.NaN).sum(), logEvery: 1));
        Assert.Contains("step 0", e.Message);
    }
}

public class TrainingCurveTests
{
    [Fact]
    public void Smoothing_averages_a_sliding_window_and_tail_averages_the_end()
    {
        var curve = new TrainingCurve("c", [0, 1, 2, 3], [4, 2, 6, 0]);
        Assert.Equal(new double[] { 4, 3, 4, 3 }, curve.Smoothed(window: 2)); // [4], [4,2], [2,6], [6,0]
        Assert.Equal(3.0, curve.Tail(0.5));  // mean of the last two
        Assert.Equal(0.0, curve.Final);
    }
}
