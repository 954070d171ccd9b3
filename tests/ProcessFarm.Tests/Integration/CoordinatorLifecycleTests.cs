using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// The coordinator killed or interrupted mid-run: its workers exit, and no region file, pipe file or worker
/// process remains. The coordinator runs as a child process with its own shm and runtime directories.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class CoordinatorLifecycleTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();
    private readonly string _shm;
    private readonly string _runtime;

    public CoordinatorLifecycleTests()
    {
        _shm = Directory.CreateDirectory(Path.Combine(_directory, "shm")).FullName;
        _runtime = Directory.CreateDirectory(Path.Combine(_directory, "runtime"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("shm")]
    [InlineData("pipe")]
    public async Task SigKill_MidRun_LeavesNoWorkerRegionOrPipe(string mode)
    {
        using var coordinator = StartCoordinator(mode, "out.png");
        var workers = await WaitForReadyPoolAsync(coordinator);

        coordinator.Kill(); // SIGKILL: no handler of ours runs
        await coordinator.WaitForExitAsync(TestHelpers.TimeoutToken());

        await WaitForExitAsync(workers);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_shm));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_runtime));
        Assert.False(File.Exists(Path.Combine(_directory, "out.png")));
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task Signal_MidRun_ExitsWithItsCode_AndCleansUp(string signal, int exitCode)
    {
        using var coordinator = StartCoordinator("shm", "out.png");
        var workers = await WaitForReadyPoolAsync(coordinator);

        using (var kill = Process.Start("kill", ["-" + signal, coordinator.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestHelpers.TimeoutToken());
        }
        await coordinator.WaitForExitAsync(TestHelpers.TimeoutToken());

        Assert.Equal(exitCode, coordinator.ExitCode);
        await WaitForExitAsync(workers);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_shm));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_runtime));
        Assert.Empty(Directory.EnumerateFiles(_directory)); // no output, no temporary file
        // Said once, as what happened: the workers the coordinator stopped are not reported as failing.
        string said = signal == "INT" ? "interrupted" : "terminated";
        Assert.Equal([$"processfarm: {said}; workers stopped, no output written"], (await coordinator.StandardError.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("shm")]
    [InlineData("pipe")]
    public async Task WorkerCrash_IsRecovered_AndTheRunCompletes(string mode)
    {
        // Worker 0 kills itself (SIGKILL) when its first tile arrives: deterministic, unlike a kill from outside.
        var result = await RunCoordinatorAsync(mode, "0:crash:1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("faults   1 worker died or hung (1 replaced)", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("[worker 0] failed", result.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_directory, "out.jpg")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_shm));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_runtime));
    }

    [Fact]
    public async Task WorkerCrash_WithNoRestartsAllowed_ExitsWith4_AndCleansUp()
    {
        var result = await RunCoordinatorAsync("shm", "0:crash:1", "--max-restarts", "0");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("worker 0", result.ErrorLines[^1], StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_shm));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_runtime));
        Assert.Empty(Directory.EnumerateFiles(_directory));
    }

    [Theory]
    [InlineData("pipe")]
    [InlineData("shm")]
    public async Task SigKill_BeforeTheWorkersConnect_LeavesNoWorkerBehind(string mode)
    {
        // Workers that start slowly (a wrapper sleeps before it runs the real worker) are still far from
        // connecting when the coordinator is killed: there is no socket whose end they could see.
        string wrapper = Path.Combine(_directory, "slow-worker.sh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nsleep 1\nexec '{Path.Combine(AppContext.BaseDirectory, "processfarm-worker")}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string marker = "PROCESSFARM_TEST_RUN=" + Guid.NewGuid().ToString("N");
        var info = Cli.StartInfo(_directory, ["process", "-m", mode, "-w", "2", "--sample-size", "1200x800", "--shm-dir", _shm, "-o", "out.jpg", "--worker-path", wrapper]);
        info.Environment["XDG_RUNTIME_DIR"] = _runtime;
        info.Environment["PROCESSFARM_TEST_RUN"] = marker[(marker.IndexOf('=') + 1)..];
        using var coordinator = Process.Start(info)!;
        var deadline = Stopwatch.StartNew();
        while (Children(coordinator.Id).Length < 2)
        {
            Assert.True(deadline.Elapsed < TestHelpers.Timeout && !coordinator.HasExited, "the coordinator never spawned its workers");
            await Task.Delay(5);
        }

        coordinator.Kill();
        await coordinator.WaitForExitAsync(TestHelpers.TimeoutToken());
        await Task.Delay(TimeSpan.FromSeconds(3)); // the wrappers' sleep is over: the real workers ran and found their parent gone

        Assert.Empty(LiveProcesses.WithEnvironment(marker)); // a worker retrying its connect would still be here for 10 s
        Assert.False(File.Exists(Path.Combine(_directory, "out.jpg")));
    }

    [Fact]
    public async Task CtrlC_ToTheWholeProcessGroup_SaysOneLine_AndWorkersStopQuietly()
    {
        // A terminal's Ctrl+C signals the coordinator and its workers alike: the coordinator must say so once and
        // its workers, whose socket closes under them, must not add traces or failures of their own.
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Cli.Executable, "process", "-m", "pipe", "-w", "2", "--sample-size", "6000x4000", "--shm-dir", _shm, "-o", "out.png" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["XDG_RUNTIME_DIR"] = _runtime;
        using var coordinator = Process.Start(info)!;
        var stderr = coordinator.StandardError.ReadToEndAsync();
        var workers = await WaitForReadyPoolAsync(coordinator);

        using (var kill = Process.Start("kill", ["-INT", "--", "-" + coordinator.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(TestHelpers.TimeoutToken());
        }
        await coordinator.WaitForExitAsync(TestHelpers.TimeoutToken());

        Assert.Equal(130, coordinator.ExitCode);
        await WaitForExitAsync(workers);
        string[] lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["processfarm: interrupted; workers stopped, no output written"], lines);
        Assert.Empty(Directory.EnumerateFiles(_directory));
    }

    private async Task<Cli.Result> RunCoordinatorAsync(string mode, string fault, params string[] extra)
    {
        var info = Cli.StartInfo(_directory, ["process", "-m", mode, "-w", "2", "--sample-size", "1200x800", "--shm-dir", _shm, "-o", "out.jpg", .. extra]);
        info.Environment["XDG_RUNTIME_DIR"] = _runtime;
        info.Environment["PROCESSFARM_TEST_FAULT"] = fault;
        string marker = "PROCESSFARM_TEST_RUN=" + Guid.NewGuid().ToString("N");
        info.Environment["PROCESSFARM_TEST_RUN"] = marker[(marker.IndexOf('=') + 1)..];
        var result = await Cli.RunAsync(info);
        // Every process of this run (workers inherit the marker), orphaned or not, must be gone.
        Assert.Empty(LiveProcesses.WithEnvironment(marker));
        return result;
    }

    private Process StartCoordinator(string mode, string output, params string[] extra)
    {
        // Large enough that the run is still going when the test strikes; PNG makes encoding slow too.
        var info = Cli.StartInfo(_directory, ["process", "-m", mode, "-w", "2", "--sample-size", "6000x4000", "--shm-dir", _shm, "-o", output, .. extra]);
        info.Environment["XDG_RUNTIME_DIR"] = _runtime;
        return Process.Start(info)!;
    }

    /// <summary>Waits until the coordinator has two worker children and the pool is complete (its pipe directory unlinked).</summary>
    private async Task<int[]> WaitForReadyPoolAsync(Process coordinator)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TestHelpers.Timeout)
        {
            if (coordinator.HasExited)
            {
                Assert.Fail("the coordinator ended before its pool was ready: " + await coordinator.StandardError.ReadToEndAsync());
            }
            int[] children = Children(coordinator.Id);
            if (children.Length == 2 && !Directory.EnumerateFileSystemEntries(_runtime).Any())
            {
                return children;
            }
            await Task.Delay(5);
        }
        throw new TimeoutException("the pool never became ready");
    }

    private static async Task WaitForExitAsync(int[] pids)
    {
        var deadline = Stopwatch.StartNew();
        while (pids.Any(pid => Directory.Exists($"/proc/{pid}") && !LiveProcesses.IsZombie(pid)))
        {
            Assert.True(deadline.Elapsed < TestHelpers.Timeout, "a worker outlived its coordinator");
            await Task.Delay(10);
        }
    }

    private static int[] Children(int pid)
    {
        var children = new List<int>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                children.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse));
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return [.. children.Distinct()];
    }
}
