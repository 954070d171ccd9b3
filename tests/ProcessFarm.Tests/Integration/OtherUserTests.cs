using System.Diagnostics;
using ProcessFarm.Coordinator.Workers;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// What another OS user meets. Run as root (as CI is), the tests drop to `nobody` with setpriv; run as anyone
/// else, the file is made unreadable with chmod, which root would ignore.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public sealed class OtherUserTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();
    private readonly string _programs;

    public OtherUserTests()
    {
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_111_111);
        // The build output may sit where `nobody` cannot reach (a clone under /root): run copies from a temp dir.
        _programs = Directory.CreateDirectory(Path.Combine(_directory, "bin")).FullName;
        foreach (string file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith("processfarm", StringComparison.Ordinal) || name is "ProcessFarm.Shared.dll" or "System.CommandLine.dll" or "Spectre.Console.dll" or "libpfnative.so")
            {
                File.Copy(file, Path.Combine(_programs, name));
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task UnreadableInput_ExitsWith3_OneLine()
    {
        string input = Path.Combine(_directory, "secret.png");
        Shared.Imaging.ImageFile.Save(input, new byte[12], new Shared.Imaging.ImageGeometry(2, 2, 3));
        File.SetUnixFileMode(input, UnixFileMode.None);

        var result = await RunAsOtherUserAsync(Path.Combine(_programs, "processfarm"), "process", "secret.png", "-o", "out.png", "-m", "serial");

        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains("cannot read 'secret.png'", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "out.png")));
    }

    [SkippableFact]
    public async Task UnwritableOutputDirectory_ExitsWith2_NamingTheDirectory_NotAProbeFile()
    {
        Skip.IfNot(IsRoot, "a directory root cannot write in is one that nobody else can either: needs root to be someone else");
        string locked = Directory.CreateDirectory(Path.Combine(_directory, "locked")).FullName;
        File.SetUnixFileMode(locked, (UnixFileMode)0b101_101_101);

        var result = await RunAsOtherUserAsync(Path.Combine(_programs, "processfarm"), "process", "--sample-size", "64x64", "-m", "serial", "-o", Path.Combine(locked, "out.png"));

        Assert.Equal(2, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Equal($"processfarm: --output: cannot write in '{locked}': permission denied", line);
    }

    [Fact]
    public void ListenerDirectory_IsTheOwnersAlone()
    {
        // What keeps other users out even where no other user can be tried (the test below needs root).
        using var own = PipeListener.Create();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(own.DirectoryPath));
    }

    [SkippableFact]
    public async Task AnotherUser_CannotConnectToThePipe()
    {
        Skip.IfNot(IsRoot, "becoming another user (setpriv to nobody) needs root");
        using var listener = PipeListener.Create();
        using var server = listener.CreateServer();
        var accepted = server.WaitForConnectionAsync();

        // A real worker, run as nobody, tries to join with the right secret on its stdin.
        var result = await RunAsOtherUserAsync(Path.Combine(_programs, "processfarm-worker"), "--pipe", listener.PipePath, "--id", "0", "--connect-timeout-ms", "500");

        Assert.Equal(3, result.ExitCode); // ConnectFailed
        Assert.Contains("cannot connect", result.Stderr, StringComparison.Ordinal);
        Assert.False(accepted.IsCompleted);
    }

    private async Task<Cli.Result> RunAsOtherUserAsync(string executable, params string[] args)
    {
        var info = new ProcessStartInfo(IsRoot ? "setpriv" : executable) { WorkingDirectory = _directory };
        if (IsRoot)
        {
            foreach (string arg in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "env", $"HOME={_directory}", executable })
            {
                info.ArgumentList.Add(arg);
            }
        }
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return await Cli.RunAsync(info, stdin: new string('a', ProtocolLimits.SecretBytes * 2) + "\n");
    }
}
