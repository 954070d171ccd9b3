using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Imaging;

/// <summary>
/// Temporaries of <see cref="ImageFile.WriteAtomically(string, ReadOnlySpan{byte})"/> carry their owner's process id, and
/// <see cref="OutputTemporaries"/> deletes exactly those whose owner is gone, nothing else.
/// </summary>
public sealed class OutputTemporariesTests : IDisposable
{
    private const string Random16 = "0123456789abcdef";
    private readonly string _directory = TestHelpers.CreateTempDirectory();
    private readonly Process _otherProgram = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;

    public void Dispose()
    {
        _otherProgram.Kill();
        _otherProgram.WaitForExit();
        _otherProgram.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>An id the kernel never hands out (above pid_max), standing for an owner that is gone.</summary>
    private static int GoneProcessId => int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture) + 1;

    [Fact]
    public async Task WriteAtomically_NamesItsTemporaryAfterThisProcess()
    {
        using var watcher = new FileSystemWatcher(_directory) { NotifyFilter = NotifyFilters.FileName };
        var created = new System.Collections.Concurrent.ConcurrentQueue<string>();
        watcher.Created += (_, e) => created.Enqueue(e.Name!);
        watcher.EnableRaisingEvents = true;

        ImageFile.WriteAtomically(Path.Combine(_directory, "out.jpg"), new byte[1 << 20]);
        for (int i = 0; i < 100 && created.IsEmpty; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(Path.Combine(_directory, "out.jpg")));
        Assert.Equal([], Directory.GetFiles(_directory, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
        var pattern = new Regex($@"^\.out\.jpg\.pf-{Environment.ProcessId}-[0-9a-f]{{16}}\.tmp$");
        Assert.Contains(created, name => pattern.IsMatch(name));
    }

    [Fact]
    public void SweepStale_DeletesOnlyTemporariesWhoseOwnerIsGone()
    {
        int gone = GoneProcessId, self = Environment.ProcessId, other = _otherProgram.Id;
        var old = DateTime.UtcNow - TimeSpan.FromHours(1);
        string stale = Create($".a.jpg.pf-{gone}-{Random16}.tmp");
        string ownOld = Create($".b.jpg.pf-{self}-{Random16}.tmp", old);
        string reusedOld = Create($".c.png.pf-{other}-{Random16}.tmp", old);
        string reusedFresh = Create($".d.png.pf-{other}-{Random16}.tmp");
        string[] similar =
        [
            Create($".e.jpg.pf-{gone}-{Random16[..15]}.tmp"), // 15 hex digits
            Create($".e.jpg.pf-{gone}-{Random16.ToUpperInvariant()}.tmp"), // upper case
            Create($"e.jpg.pf-{gone}-{Random16}.tmp"), // not hidden
            Create($".e.jpg.pf-{gone}-{Random16}.tmp.bak"),
            Create($"..pf-{gone}-{Random16}.tmp"), // no output name
            Create($".e.jpg.pf-0{gone}-{Random16}.tmp"), // leading zero
            Create($".e.jpg.{Guid.NewGuid():N}.tmp"), // an earlier version's temporary
            Create($".e.jpg.pf-{gone}-{Random16}.TMP"),
        ];
        Directory.CreateDirectory(Path.Combine(_directory, $".f.jpg.pf-{gone}-{Random16}.tmp"));
        File.CreateSymbolicLink(Path.Combine(_directory, $".g.jpg.pf-{gone}-{Random16}.tmp"), similar[0]);

        var deleted = OutputTemporaries.SweepStale(_directory);

        Assert.Equal([stale, reusedOld], deleted.Order(StringComparer.Ordinal));
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(reusedOld));
        Assert.All([ownOld, reusedFresh, .. similar], path => Assert.True(File.Exists(path), path));
        Assert.True(Directory.Exists(Path.Combine(_directory, $".f.jpg.pf-{gone}-{Random16}.tmp")));
        Assert.NotNull(new FileInfo(Path.Combine(_directory, $".g.jpg.pf-{gone}-{Random16}.tmp")).LinkTarget);
    }

    [Fact]
    public void RemoveLeftBy_DeletesThatProcesssTemporariesForThatOutputOnly()
    {
        int gone = GoneProcessId;
        string first = Create($".out.jpg.pf-{gone}-{Random16}.tmp");
        string second = Create($".out.jpg.pf-{gone}-fedcba9876543210.tmp");
        string otherOutput = Create($".other.jpg.pf-{gone}-{Random16}.tmp");
        string otherOwner = Create($".out.jpg.pf-{Environment.ProcessId}-{Random16}.tmp");
        string similar = Create($".out.jpg.pf-{gone}-{Random16}.tmp~");
        string longerName = Create($".xout.jpg.pf-{gone}-{Random16}.tmp");

        var deleted = OutputTemporaries.RemoveLeftBy(gone, Path.Combine(_directory, "out.jpg"));

        Assert.Equal([first, second], deleted.Order(StringComparer.Ordinal));
        Assert.All([otherOutput, otherOwner, similar, longerName], path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void RemoveLeftBy_ThisProcess_Throws() =>
        Assert.Throws<ArgumentException>(() => OutputTemporaries.RemoveLeftBy(Environment.ProcessId, Path.Combine(_directory, "out.jpg")));

    [Theory]
    [InlineData(".photo.jpg.pf-4242-0123456789abcdef.tmp", true, "photo.jpg", 4242)]
    [InlineData("..hidden.png.pf-1-0123456789abcdef.tmp", true, ".hidden.png", 1)]
    [InlineData(".photo.jpg.pf-99999999999-0123456789abcdef.tmp", false, "", 0)]
    [InlineData(".photo.jpg.pf-0-0123456789abcdef.tmp", false, "", 0)]
    [InlineData(".photo.jpg.0123456789abcdef0123456789abcdef.tmp", false, "", 0)]
    public void TryParse_ReadsOnlyTheExactPattern(string fileName, bool matches, string outputName, int processId)
    {
        Assert.Equal(matches, OutputTemporaries.TryParse(fileName, out string name, out int id));
        Assert.Equal(outputName, name);
        Assert.Equal(processId, id);
    }

    private string Create(string name, DateTime? lastWriteUtc = null)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, "partial output");
        if (lastWriteUtc is { } time)
        {
            File.SetLastWriteTimeUtc(path, time);
        }
        return path;
    }
}
