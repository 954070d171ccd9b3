using System.Diagnostics;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Diagnostics on stderr, one method per event. Lifecycle events print only with --verbose; what a worker writes
/// to its stderr is always relayed, tagged with its id, because it is how a failing worker explains itself.
/// </summary>
internal sealed class CoordinatorLog(TextWriter error, bool verbose)
{
    public static CoordinatorLog Silent { get; } = new(TextWriter.Null, verbose: false);

    public bool Verbose => verbose;

    public void WorkerCommandLine(uint workerId, ProcessStartInfo info)
    {
        if (verbose)
        {
            Write($"[worker {workerId}] execute: {info.FileName} {string.Join(' ', info.ArgumentList)} (secret on stdin) in {info.WorkingDirectory}");
        }
    }

    public void WorkerOutput(uint workerId, string line) => Write($"[worker {workerId}] {line}");

    public void WorkerReady(uint workerId, int processId, string kernel, double readyMs)
    {
        if (verbose)
        {
            Write($"[worker {workerId}] ready: pid {processId}, kernel {kernel}, {readyMs:0.0} ms after spawn");
        }
    }

    public void ClientRefused(string reason) => Write($"[pool] refused a connection: {reason}");

    public void WorkerDisconnected(uint workerId, string reason)
    {
        if (verbose)
        {
            Write($"[worker {workerId}] disconnected: {reason}");
        }
    }

    public void WorkerKilled(uint workerId, string reason) => Write($"[worker {workerId}] killed: {reason}");

    public void WorkerFailed(uint workerId, string verb, string reason, int jobsHeld) =>
        Write($"[worker {workerId}] {verb}: {reason}{(jobsHeld == 0 ? string.Empty : $"; the {(jobsHeld == 1 ? "job" : $"{jobsHeld} jobs")} it held go{(jobsHeld == 1 ? "es" : string.Empty)} to other workers")}");

    public void WorkerReplaced(uint failedId, uint replacementId) => Write($"[worker {failedId}] replaced by worker {replacementId}");

    private void Write(string line)
    {
        lock (error)
        {
            error.WriteLine(line);
        }
    }
}
