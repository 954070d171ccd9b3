using System.Globalization;
using System.IO.Pipes;
using System.Security.Cryptography;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// The coordinator's listening pipe: a Unix domain socket with an unguessable name in a private directory (0700),
/// created with <see cref="PipeOptions.FirstPipeInstance"/> (nobody else may own the name) and
/// <see cref="PipeOptions.CurrentUserOnly"/> (peers of another user are refused).
/// </summary>
/// <remarks>
/// The socket file and its directory exist only while workers connect: <see cref="Unlink"/> removes both once
/// the pool is complete (accepted connections live on), so a coordinator that is later SIGKILLed leaves nothing
/// behind. A coordinator killed during start-up can leave a directory; <see cref="SweepStale"/> removes those
/// whose owner process is gone.
/// </remarks>
internal sealed class PipeListener : IDisposable
{
    private const string DirectoryPrefix = "processfarm-";
    private readonly Lock _gate = new();
    private NamedPipeServerStream? _keeper;
    private int _unlinked;

    private PipeListener(string directory)
    {
        DirectoryPath = directory;
        PipePath = Path.Combine(directory, "farm.sock");
    }

    /// <summary>The private directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>The socket's path: what workers get as --pipe.</summary>
    public string PipePath { get; }

    /// <summary>$XDG_RUNTIME_DIR when it exists (per-user tmpfs), else the temp directory.</summary>
    public static string RuntimeDirectory
    {
        get
        {
            string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            return !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime) ? runtime : Path.GetTempPath();
        }
    }

    public static PipeListener Create(string? parent = null)
    {
        parent ??= RuntimeDirectory;
        string name = string.Create(CultureInfo.InvariantCulture, $"{DirectoryPrefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}");
        string directory = Path.Combine(parent, name);
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new PipeListener(directory);
    }

    /// <summary>A server instance waiting for one worker; the first call also creates the socket.</summary>
    public NamedPipeServerStream CreateServer()
    {
        lock (_gate)
        {
            if (_keeper is null)
            {
                // .NET shares one listening socket among a name's server instances and closes it when the last
                // instance is accepted or disposed, resetting connections still in its backlog (a worker that
                // connected while a refused intruder's instance went away). This instance never accepts and keeps
                // the socket open until Unlink.
                _keeper = NewServer(PipeOptions.FirstPipeInstance);
                File.SetUnixFileMode(PipePath, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the directory keeps others out already
            }
            return NewServer(PipeOptions.None);
        }
    }

    private NamedPipeServerStream NewServer(PipeOptions first) =>
        new(PipePath, PipeDirection.InOut, NamedPipeServerStream.MaxAllowedServerInstances, PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly | first);

    /// <summary>Removes the socket file and the directory; accepted connections are unaffected. Idempotent.</summary>
    public void Unlink()
    {
        if (Interlocked.Exchange(ref _unlinked, 1) != 0)
        {
            return;
        }
        TryDelete(() => File.Delete(PipePath));
        TryDelete(() => Directory.Delete(DirectoryPath, recursive: true));
        lock (_gate)
        {
            _keeper?.Dispose();
        }
    }

    public void Dispose() => Unlink();

    /// <summary>Deletes listener directories left by coordinators that no longer run.</summary>
    /// <returns>How many were removed.</returns>
    public static int SweepStale(string? parent = null)
    {
        parent ??= RuntimeDirectory;
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, DirectoryPrefix + "*");
        }
        catch (IOException)
        {
            return 0;
        }
        foreach (string directory in candidates)
        {
            string[] parts = Path.GetFileName(directory).Split('-');
            if (parts.Length == 3 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsAlive(pid))
            {
                TryDelete(() => Directory.Delete(directory, recursive: true));
                removed++;
            }
        }
        return removed;
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (IOException)
        {
            // Already gone, or not ours: teardown continues.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
