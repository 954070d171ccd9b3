using System.Diagnostics;

namespace ProcessFarm.Tests;

/// <summary>Timeouts that keep a hung test from hanging CI, and scratch directories.</summary>
internal static class TestHelpers
{
    /// <summary>Generous: a hung pipe or process is the failure these guard against, not slowness.</summary>
    public static TimeSpan Timeout => Debugger.IsAttached ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    public static CancellationToken TimeoutToken() => new CancellationTokenSource(Timeout).Token;

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static string CreateTempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "pf-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Creates a FIFO (named pipe) at <paramref name="path"/> with mkfifo(1); nothing ever writes to it.</summary>
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo") { ArgumentList = { path }, UseShellExecute = false })!;
        if (!mkfifo.WaitForExit(10_000) || mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} failed");
        }
    }

    /// <summary>Binds a Unix socket at <paramref name="path"/>, leaving a socket file there; dispose to close it.</summary>
    public static System.Net.Sockets.Socket BindUnixSocket(string path)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        return socket;
    }

    public static string TestDataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
}
