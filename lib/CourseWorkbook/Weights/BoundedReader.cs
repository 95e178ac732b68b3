using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CourseWorkbook.Weights;

/// <summary>Little-endian positional reader over a file that checks every read against the file's length first, so a
/// truncated or lying header ends in an <see cref="InvalidDataException"/> naming the file and byte offset, never in
/// a huge allocation or a read past the end.</summary>
internal sealed class BoundedReader
{
    readonly SafeFileHandle handle;
    readonly byte[] buffer = new byte[1 << 16];
    long bufferStart = -1;
    int bufferCount;

    public BoundedReader(SafeFileHandle handle, string fileName, long length)
    {
        this.handle = handle;
        FileName = fileName;
        Length = length;
    }

    public string FileName { get; }
    public long Length { get; }
    public long Position { get; set; }
    public long Remaining => Length - Position;

    public InvalidDataException Error(string message, long? offset = null) =>
        new($"{FileName}: {message} (byte offset {offset ?? Position})");

    /// <summary>Throws unless <paramref name="count"/> more bytes exist after the current position.</summary>
    public void Require(long count, string what)
    {
        if (count < 0 || count > Remaining)
            throw Error($"{what} needs {count} bytes but only {Remaining} remain in a {Length}-byte file");
    }

    ReadOnlySpan<byte> Take(int count, string what)
    {
        Require(count, what);
        if (bufferStart < 0 || Position < bufferStart || Position + count > bufferStart + bufferCount)
        {
            bufferStart = Position;
            bufferCount = RandomAccess.Read(handle, buffer, Position);
            if (bufferCount < count) throw Error($"{what}: the file ended early");
        }
        var span = buffer.AsSpan((int)(Position - bufferStart), count);
        Position += count;
        return span;
    }

    public byte U8(string what) => Take(1, what)[0];
    public ushort U16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
    public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
    public ulong U64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
    public float F32(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));
    public double F64(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>Reads a count that must fit the rest of the file when each item takes at least
    /// <paramref name="minItemBytes"/>.</summary>
    public long Count(ulong raw, int minItemBytes, string what, long at)
    {
        if (raw > (ulong)Remaining / (ulong)Math.Max(1, minItemBytes))
            throw Error($"{what} claims {raw} items, more than the {Remaining} remaining bytes can hold", at);
        return (long)raw;
    }

    /// <summary>Reads <paramref name="length"/> UTF-8 bytes (length already read and about to be checked).</summary>
    public string Utf8(long length, string what)
    {
        Require(length, what);
        if (length <= buffer.Length) return Encoding.UTF8.GetString(Take((int)length, what));
        var bytes = new byte[length];
        RandomAccess.Read(handle, bytes, Position);
        Position += length;
        return Encoding.UTF8.GetString(bytes);
    }
}
