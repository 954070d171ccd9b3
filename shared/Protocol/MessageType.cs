namespace ProcessFarm.Shared.Protocol;

/// <summary>The first element of every frame's body; see docs/PROTOCOL.md for each message's fields.</summary>
public enum MessageType
{
    /// <summary>Worker to coordinator, answering the Challenge: version, worker id, process id, proof, kernel, worker nonce.</summary>
    Hello = 1,

    /// <summary>Coordinator to worker: the handshake is accepted, with the coordinator's own proof of the secret.</summary>
    Welcome = 2,

    /// <summary>Coordinator to worker: one unit of work.</summary>
    Job = 3,

    /// <summary>Worker to coordinator: a job (or attach) succeeded.</summary>
    Result = 4,

    /// <summary>Either direction: a request failed, or the peer is refused.</summary>
    Error = 5,

    /// <summary>Coordinator to worker: finish and exit.</summary>
    Shutdown = 6,

    /// <summary>Coordinator to worker: map a shared-memory region.</summary>
    Attach = 7,

    /// <summary>Coordinator to worker: map a frame channel, a second path for small frames (docs/PROTOCOL.md, "Channel").</summary>
    Channel = 8,

    /// <summary>Either direction: frames wait in the channel for a peer that was asleep on the socket.</summary>
    Wake = 9,

    /// <summary>Coordinator to worker, first frame of every connection: the nonce the Hello must prove the secret over.</summary>
    Challenge = 10,
}
