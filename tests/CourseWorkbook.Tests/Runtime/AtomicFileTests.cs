using CourseWorkbook.Runtime;

namespace CourseWorkbook.Tests.Runtime;

public class AtomicFileTests
{
    [Fact]
    public void WriteNew_creates_a_missing_file_and_never_replaces_an_existing_one()
    {
        var dir = Directory.CreateTempSubdirectory("atomic-").FullName;
        try
        {
            var path = Path.Combine(dir, "lib.so");
            Assert.True(AtomicFile.WriteNew(path, [1, 2, 3]));
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
            var inode = new FileInfo(path).CreationTimeUtc;
            using (var held = File.OpenRead(path))   // a reader (a loaded library) keeps it open
            {
                Assert.False(AtomicFile.WriteNew(path, [9, 9]));
            }
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
            Assert.Equal(inode, new FileInfo(path).CreationTimeUtc);
            Assert.Equal(["lib.so"], Directory.GetFiles(dir).Select(Path.GetFileName));   // no temp file left

            AtomicFile.WriteAllBytes(path, [7]);   // the replacing form still replaces
            Assert.Equal([7], File.ReadAllBytes(path));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Concurrent_first_writers_leave_one_complete_file()
    {
        var dir = Directory.CreateTempSubdirectory("atomic-").FullName;
        try
        {
            var path = Path.Combine(dir, "lib.so");
            var payload = Enumerable.Range(0, 1 << 20).Select(i => (byte)i).ToArray();
            var wins = new int[16];
            Parallel.For(0, wins.Length, i => wins[i] = AtomicFile.WriteNew(path, payload) ? 1 : 0);
            Assert.Equal(1, wins.Sum());   // exactly one writer created it
            Assert.Equal(payload, File.ReadAllBytes(path));
            Assert.Equal(["lib.so"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
