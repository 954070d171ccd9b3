namespace ProcessFarm.Worker;

/// <summary>
/// Diagnostics on stderr, one line per event, tagged with the worker id; the coordinator relays them. stdout is
/// not used: the worker's results travel on the pipe.
/// </summary>
internal sealed class WorkerLog(uint workerId)
{
    public void Error(string message) => Console.Error.WriteLine($"worker {workerId}: error: {message}");

    public void Warning(string message) => Console.Error.WriteLine($"worker {workerId}: warning: {message}");
}
