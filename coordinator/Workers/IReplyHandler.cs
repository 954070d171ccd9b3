using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Receives what a worker sends. Called on the connection's receive loop, one call at a time per connection;
/// payloads are valid only during the call.
/// </summary>
internal interface IReplyHandler
{
    void OnResult(WorkerConnection worker, in JobResult result);

    void OnError(WorkerConnection worker, ErrorMessage error);

    /// <summary>The connection ended: <paramref name="error"/> is null for a clean end of stream.</summary>
    void OnDisconnected(WorkerConnection worker, Exception? error);
}
