using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Native;
using Xunit;

namespace ProcessFarm.Tests.Native;

/// <summary><see cref="ImageDecoder.Open(string, long)"/> over <c>pf_file_open_regular</c>: no blocking, no reading beyond the opened size.</summary>
public sealed class RegularFileTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Open_Fifo_IsRefusedWithoutBlocking()
    {
        string fifo = Path.Combine(_directory, "in.jpg");
        TestHelpers.MakeFifo(fifo);

        var opening = Task.Run(() => ImageDecoder.Open(fifo, ImageFile.DefaultMaxPixels));
        try
        {
            await opening.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // The reader is stuck in open(2): a writer's open completes at once and releases it, then fail.
            await Task.Run(() => new FileStream(fifo, FileMode.Open, FileAccess.Write).Dispose()).DefaultTimeout();
            Assert.Fail("ImageDecoder.Open blocked on a FIFO");
        }
        catch (NotRegularFileException)
        {
        }

        var error = await Assert.ThrowsAsync<NotRegularFileException>(() => opening);
        Assert.Equal(fifo, error.Path);
        Assert.StartsWith("is not a regular file", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CharacterDevice_IsRefused()
    {
        var error = Assert.Throws<NotRegularFileException>(() => ImageDecoder.Open("/dev/zero", ImageFile.DefaultMaxPixels));
        Assert.Equal("'/dev/zero' is not a regular file (a FIFO, socket or device); give an image file", error.Message);
    }

    [Fact]
    public void Open_Socket_IsRefused()
    {
        string path = Path.Combine(_directory, "socket.png");
        using var socket = TestHelpers.BindUnixSocket(path);

        Assert.Throws<NotRegularFileException>(() => ImageDecoder.Open(path, ImageFile.DefaultMaxPixels));
    }

    [Fact]
    public void Open_Directory_SaysSo()
    {
        var error = Assert.Throws<NotRegularFileException>(() => ImageDecoder.Open(_directory, ImageFile.DefaultMaxPixels));
        Assert.Equal("is a directory, not an image file", error.Problem);
    }

    [Fact]
    public void Open_Missing_IsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => ImageDecoder.Open(Path.Combine(_directory, "gone.png"), ImageFile.DefaultMaxPixels));

    [Fact]
    public void Read_FileGrowingAfterOpen_ReadsOnlyTheSizeItHadWhenOpened()
    {
        string path = Path.Combine(_directory, "growing.bin");
        File.WriteAllBytes(path, Enumerable.Repeat((byte)1, 100).ToArray());

        using var file = RegularFile.Open(path, out long length);
        using (var append = new FileStream(path, FileMode.Append))
        {
            append.Write(new byte[4096]);
        }
        byte[] read = new byte[length];
        RegularFile.ReadExactly(file, read);

        Assert.Equal(100, length);
        Assert.All(read, b => Assert.Equal(1, b));
    }

    [Fact]
    public void Read_FileShrunkAfterOpen_IsAnError()
    {
        string path = Path.Combine(_directory, "shrinking.bin");
        File.WriteAllBytes(path, new byte[100]);

        using var file = RegularFile.Open(path, out long length);
        File.WriteAllBytes(path, new byte[10]);

        var error = Assert.Throws<IOException>(() => RegularFile.ReadExactly(file, new byte[length]));
        Assert.Contains("shrank", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ProcFile_ReadsItsStatSizeOnly_AndIsEmpty()
    {
        // /proc files report size 0 and produce text without end for some; only the size is read.
        var error = Assert.Throws<InvalidImageException>(() => ImageDecoder.Open("/proc/self/status", ImageFile.DefaultMaxPixels));
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }
}
