using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ProcessFarm.Tests.Integration;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// Real cluster processes on 127.0.0.1 for one test: nodes (<c>processfarm node</c>) and a coordinator, each a
/// separate process carrying an environment marker, so the test can find them (and their workers, which inherit
/// it) and kill whatever is left when it ends.
/// </summary>
internal sealed class ClusterProcesses : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<Process, (Task<string> Stdout, Task<string> Stderr)> _outputs = [];

    public ClusterProcesses()
    {
        Port = FreePort();
    }

    /// <summary>The marker every process of this test inherits (PROCESSFARM_TEST_CLUSTER=...).</summary>
    public string Marker { get; } = "PROCESSFARM_TEST_CLUSTER=" + Guid.NewGuid().ToString("N");

    /// <summary>The coordinator's silo port (its --listen).</summary>
    public int Port { get; }

    public string Listen => $"127.0.0.1:{Port}";

    /// <summary>Starts a node that joins this test's coordinator (or Redis, when <paramref name="redis"/> is given).</summary>
    public Process StartNode(int workers, string? redis = null) =>
        Start(Integration.Cli.StartInfo(Path.GetTempPath(), ["node", redis is null ? "--join" : "--cluster", redis ?? Listen, "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture)]));

    /// <summary>Starts <paramref name="info"/>, marked as this test's.</summary>
    public Process Start(ProcessStartInfo info)
    {
        var (name, value) = (Marker[..Marker.IndexOf('=')], Marker[(Marker.IndexOf('=') + 1)..]);
        info.Environment[name] = value;
        info.RedirectStandardInput = true;
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        // Drain both outputs so a chatty process never blocks on a full pipe.
        _outputs[process] = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        _processes.Add(process);
        return process;
    }

    /// <summary>Runs processfarm with <paramref name="args"/> to its end (bounded by <paramref name="deadline"/>).</summary>
    public async Task<Integration.Cli.Result> RunAsync(TimeSpan deadline, params string[] args)
    {
        var process = Start(Integration.Cli.StartInfo(Path.GetTempPath(), args));
        if (!await WaitUntilAsync(() => process.HasExited, deadline))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return await ResultOfAsync(process);
    }

    /// <summary>The exit code and outputs of a process started here, once it has exited.</summary>
    public async Task<Integration.Cli.Result> ResultOfAsync(Process process)
    {
        await process.WaitForExitAsync();
        var (stdout, stderr) = _outputs[process];
        return new Integration.Cli.Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Live processes of this test (nodes, coordinators, workers).</summary>
    public List<int> Live() => LiveProcesses.WithEnvironment(Marker);

    /// <summary>Live worker processes of this test.</summary>
    public List<int> LiveWorkers() => [.. Live().Where(pid => Name(pid) == "processfarm-wor")];

    /// <summary>Waits until <paramref name="condition"/> holds, up to <paramref name="deadline"/>.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan deadline)
    {
        var started = Stopwatch.StartNew();
        while (!condition())
        {
            if (started.Elapsed > deadline)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }

    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string Name(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Kills every process of this test that is still alive, workers included.</summary>
    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
        foreach (int pid in Live())
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Gone meanwhile.
            }
        }
    }
}
