using CourseWorkbook.Notebook;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>TensorBoard event files written with TorchSharp's SummaryWriter, so <c>tensorboard --logdir</c> works.
/// Each scalar is appended to the event file as it is added.</summary>
public sealed class TensorBoardLog
{
    readonly SummaryWriter writer;

    /// <summary>The folder holding the event file.</summary>
    public string Directory { get; }

    /// <summary>Opens a log in <paramref name="directory"/> (created when missing).</summary>
    public TensorBoardLog(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        Directory = Path.GetFullPath(directory);
        writer = torch.utils.tensorboard.SummaryWriter(Directory, createRunName: false);
    }

    /// <summary>Adds one scalar point.</summary>
    public void Scalar(string tag, double value, int step) => writer.add_scalar(tag, (float)value, step);

    /// <summary>The event files written so far.</summary>
    public IReadOnlyList<string> EventFiles() =>
        System.IO.Directory.GetFiles(Directory, "events.out.tfevents.*", SearchOption.AllDirectories);

}
