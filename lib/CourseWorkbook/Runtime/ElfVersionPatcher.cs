using System.Buffers.Binary;
using System.Text;

namespace CourseWorkbook.Runtime;

/// <summary>
/// Reads and edits the symbol-version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared
/// library. TorchSharp 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32 only because of a link-time marker
/// (<c>std::ios_base_library_init</c>) that nothing calls; marking that requirement weak lets the library load on
/// distributions whose libstdc++ stops at 3.4.30/3.4.31 (Debian 12, Ubuntu 22.04).
/// </summary>
public static class ElfVersionPatcher
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    /// <summary>VER_FLG_WEAK: a missing version is not fatal for the dynamic loader.</summary>
    public const ushort VerFlagWeak = 0x2;

    /// <summary>One version requirement: the library it is needed from, the version name and its flags.</summary>
    public sealed record VersionNeed(string File, string Version, ushort Flags, long FlagsOffset)
    {
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>Lists the version requirements of an ELF image; throws <see cref="InvalidDataException"/> naming the
    /// file and byte offset when a header or table does not fit inside the image.</summary>
    public static IReadOnlyList<VersionNeed> ReadVersionNeeds(ReadOnlySpan<byte> elf, string fileName = "<memory>")
    {
        Require(elf, 0, 64, fileName, "ELF header");
        if (elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{fileName}: not an ELF file (bad magic at offset 0)");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{fileName}: only 64-bit little-endian ELF is supported (offset 4)");

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        if (shentsize < 64)
            throw new InvalidDataException($"{fileName}: section header size {shentsize} < 64 (offset 0x3A)");
        Require(elf, shoff, (ulong)shentsize * shnum, fileName, "section header table");

        var needs = new List<VersionNeed>();
        for (int i = 0; i < shnum; i++)
        {
            var sh = elf[(int)(shoff + (ulong)(i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x20..]);
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // sh_info: number of Verneed entries
            Require(elf, offset, size, fileName, ".gnu.version_r");
            if (link >= shnum)
                throw new InvalidDataException($"{fileName}: .gnu.version_r links to section {link} of {shnum}");
            var strSh = elf[(int)(shoff + (ulong)(link * shentsize))..];
            ulong strOff = BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]);
            ulong strSize = BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x20..]);
            Require(elf, strOff, strSize, fileName, "dynamic string table");

            ulong vn = offset;
            for (uint n = 0; n < count; n++)
            {
                Require(elf, vn, 16, fileName, "Verneed entry");
                ushort cnt = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(vn + 2)..]);
                uint file = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vn + 4)..]);
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vn + 8)..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vn + 12)..]);
                string fileNameNeeded = ReadString(elf, strOff, strSize, file, fileName);
                ulong va = vn + aux;
                for (int a = 0; a < cnt; a++)
                {
                    Require(elf, va, 16, fileName, "Vernaux entry");
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(va + 4)..]);
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(va + 8)..]);
                    uint anext = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(va + 12)..]);
                    string versionName = ReadString(elf, strOff, strSize, name, fileName);
                    needs.Add(new VersionNeed(fileNameNeeded, versionName, flags, (long)va + 4));
                    if (anext == 0) break;
                    va += anext;
                }
                if (next == 0) break;
                vn += next;
            }
        }
        return needs;
    }

    /// <summary>
    /// Marks every requirement on <paramref name="version"/> weak, in place; returns how many were changed.
    /// </summary>
    public static int MarkVersionWeak(Span<byte> elf, string version, string fileName = "<memory>")
    {
        int changed = 0;
        foreach (var need in ReadVersionNeeds(elf, fileName))
        {
            if (need.Version != version || need.IsWeak) continue;
            BinaryPrimitives.WriteUInt16LittleEndian(elf[(int)need.FlagsOffset..], (ushort)(need.Flags | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    /// <summary>
    /// Lists the version names a library defines (for libstdc++: GLIBCXX_3.4.30, ...), from <c>.gnu.version_d</c>.
    /// </summary>
    public static IReadOnlyList<string> ReadVersionDefinitions(ReadOnlySpan<byte> elf, string fileName = "<memory>")
    {
        const uint ShtGnuVerdef = 0x6ffffffd;
        Require(elf, 0, 64, fileName, "ELF header");
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        Require(elf, shoff, (ulong)shentsize * shnum, fileName, "section header table");
        var names = new List<string>();
        for (int i = 0; i < shnum; i++)
        {
            var sh = elf[(int)(shoff + (ulong)(i * shentsize))..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerdef) continue;
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]);
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strSh = elf[(int)(shoff + (ulong)(link * shentsize))..];
            ulong strOff = BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]);
            ulong strSize = BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x20..]);
            Require(elf, strOff, strSize, fileName, "dynamic string table");
            ulong vd = offset;
            for (uint n = 0; n < count; n++)
            {
                Require(elf, vd, 20, fileName, "Verdef entry");
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vd + 12)..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vd + 16)..]);
                Require(elf, vd + aux, 8, fileName, "Verdaux entry");
                uint name = BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(vd + aux)..]);
                names.Add(ReadString(elf, strOff, strSize, name, fileName));
                if (next == 0) break;
                vd += next;
            }
        }
        return names;
    }

    static string ReadString(ReadOnlySpan<byte> elf, ulong tableOffset, ulong tableSize, uint index, string fileName)
    {
        if (index >= tableSize)
            throw new InvalidDataException(
                $"{fileName}: string index {index} outside the string table at offset {tableOffset}");
        var s = elf[(int)(tableOffset + index)..(int)(tableOffset + tableSize)];
        int end = s.IndexOf((byte)0);
        if (end < 0) throw new InvalidDataException($"{fileName}: unterminated string at offset {tableOffset + index}");
        return Encoding.ASCII.GetString(s[..end]);
    }

    static void Require(ReadOnlySpan<byte> elf, ulong offset, ulong length, string fileName, string what)
    {
        if (offset > (ulong)elf.Length || length > (ulong)elf.Length - offset)
            throw new InvalidDataException(
                $"{fileName}: {what} at offset {offset} (+{length} bytes) lies outside the file ({elf.Length} bytes)");
    }
}
