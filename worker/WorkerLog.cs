namespace ProcessFarm.Worker;

/// <summary>
/// Diagnostics on stderr, one line per event. The coordinator relays every line tagged with this worker's id
/// ("[worker 3] error: ..."), so the line does not name the worker again. stdout is not used: the worker's
/// results travel on its socket.
/// </summary>
internal sealed class WorkerLog
{
    public void Error(string message) => Console.Error.WriteLine($"error: {message}");

    public void Warning(string message) => Console.Error.WriteLine($"warning: {message}");
}
