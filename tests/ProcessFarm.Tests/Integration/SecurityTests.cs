using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>Other users cannot reach the pipe or the region, and the secret never shows where others can read it.</summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public class SecurityTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void PipeDirectory_Is0700_AndSocket_Is0600()
    {
        using var listener = PipeListener.Create();
        using var server = listener.CreateServer();

        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(listener.DirectoryPath));
        Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(listener.PipePath));
        Assert.Matches("^processfarm-[0-9]+-[0-9a-f]{24}$", Path.GetFileName(listener.DirectoryPath)); // 96 random bits
    }

    [Fact]
    public void PipeListener_Unlink_RemovesSocketAndDirectory()
    {
        var listener = PipeListener.Create();
        using var server = listener.CreateServer();

        listener.Dispose();

        Assert.False(Directory.Exists(listener.DirectoryPath));
    }

    [Fact]
    public void Region_Is0600_AndHasNoName()
    {
        string directory = TestHelpers.CreateTempDirectory();
        try
        {
            using var region = SharedRegion.Create(directory, 10_000);

            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(region.AttachPath)); // follows /proc/<pid>/fd/<n>
            Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
            Assert.StartsWith($"/proc/{Environment.ProcessId}/fd/", region.AttachPath, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Secret_IsNeitherOnTheCommandLineNorInTheEnvironment()
    {
        byte[] secret = Enumerable.Range(100, ProtocolLimits.SecretBytes).Select(i => (byte)i).ToArray();
        await using var supervisor = await WorkerSupervisor.StartAsync(1, new SupervisorOptions { Secret = secret }, NullLogger.Instance, TestHelpers.TimeoutToken()).DefaultTimeout();
        int pid = supervisor.Workers[0].Hello!.ProcessId;
        string hex = Convert.ToHexString(secret);

        string commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        string environment = File.ReadAllText($"/proc/{pid}/environ");

        Assert.Contains("--pipe", commandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(hex, commandLine, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(hex, environment, StringComparison.OrdinalIgnoreCase);
    }
}
