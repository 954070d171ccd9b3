using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Where a <see cref="WorkerSupervisor"/> gets its workers from when they are not local processes behind a private
/// socket (<see cref="WorkerLauncher"/>): the cluster mode starts them on nodes that connect back over TCP.
/// </summary>
internal interface IWorkerLauncher
{
    /// <summary>
    /// Starts worker <paramref name="workerId"/> somewhere and returns its connection once welcomed, with
    /// <paramref name="handler"/> taking its replies.
    /// </summary>
    /// <exception cref="WorkerFailedException">The worker could not be started or did not connect in time.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    Task<WorkerConnection> LaunchAsync(uint workerId, byte[] secret, SupervisorOptions options, IReplyHandler handler, ILogger log, CancellationToken cancellationToken);

    /// <summary>Called once by the supervisor that uses this launcher, when it starts (so capacity that appears later can be offered to it).</summary>
    void Attach(WorkerSupervisor supervisor);

    /// <summary>
    /// Called once by that supervisor when it has stopped its workers: the launcher lets go of it and makes sure no
    /// worker it started is left running where the supervisor could not reach it (a hung worker on a node).
    /// </summary>
    ValueTask DetachAsync();
}
