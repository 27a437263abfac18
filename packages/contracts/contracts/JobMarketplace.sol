// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {NodeRegistry} from "./NodeRegistry.sol";
import {ProofSystem} from "./ProofSystem.sol";
import {HostEarnings} from "./HostEarnings.sol";

/// @title JobMarketplace
/// @notice Session jobs: a depositor escrows native tokens or an accepted ERC-20 for one host and one
/// model; the host proves work in checkpoints; completion pays the host (minus the treasury fee)
/// into HostEarnings and refunds the rest.
contract JobMarketplace is Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MIN_DEPOSIT = 0.0001 ether;
    uint256 public constant MIN_PROVEN_TOKENS = 100;
    uint256 public constant PRICE_PRECISION = 1000;
    uint256 public constant MAX_SESSION_DURATION = 365 days;
    uint256 public constant MIN_PROOF_TIMEOUT = 60;
    uint256 public constant MAX_PROOF_TIMEOUT = 3600;
    /// @notice Claims may not outpace this generation rate (with one second of slack).
    uint256 public constant MAX_TOKENS_PER_SECOND = 1000;

    enum SessionStatus {
        Active,
        Completed,
        TimedOut
    }

    struct SessionJob {
        uint256 id;
        address depositor;
        address host;
        address paymentToken;
        uint256 deposit;
        uint256 pricePerToken;
        uint256 tokensUsed;
        uint256 maxDuration;
        uint256 startTime;
        uint256 lastProofTime;
        uint256 proofInterval;
        uint256 proofTimeoutWindow;
        SessionStatus status;
        uint256 withdrawnByHost;
        uint256 refundedToUser;
        string conversationCID;
        bytes32 lastProofHash;
        string lastProofCID;
    }

    struct ProofSubmission {
        bytes32 proofHash;
        uint256 tokensClaimed;
        uint256 timestamp;
        bool verified;
        string deltaCID;
    }

    NodeRegistry public immutable nodeRegistry;
    ModelRegistry public immutable modelRegistry;
    ProofSystem public immutable proofSystem;
    HostEarnings public immutable hostEarnings;
    address public treasury;
    uint256 public feeBasisPoints;
    uint256 public disputeWindow;

    uint256 public nextJobId = 1;
    mapping(uint256 => SessionJob) public sessionJobs;
    mapping(uint256 => bytes32) public sessionModel;
    mapping(uint256 => ProofSubmission[]) private proofSubmissions;
    mapping(address => uint256) public tokenMinDeposits;
    mapping(address => bool) public acceptedTokens;
    mapping(address => mapping(address => uint256)) private depositBalances;
    mapping(address => uint256) public accumulatedTreasuryFees;

    event SessionJobCreatedForModel(
        uint256 indexed jobId, address indexed depositor, address indexed host, bytes32 modelId, uint256 deposit
    );
    event ProofSubmitted(
        uint256 indexed jobId,
        address indexed host,
        uint256 tokensClaimed,
        bytes32 proofHash,
        string proofCID,
        string deltaCID
    );
    event SessionCompleted(uint256 indexed jobId, uint256 totalTokensUsed, uint256 hostEarnings, uint256 userRefund);
    event SessionCompletedBy(
        uint256 indexed jobId,
        address indexed completedBy,
        uint256 tokensUsed,
        uint256 paymentAmount,
        uint256 refundAmount
    );
    event SessionTimedOut(uint256 indexed jobId, uint256 hostEarnings, uint256 userRefund);
    event RefundCreditedToDeposit(
        uint256 indexed jobId, address indexed depositor, uint256 amount, address indexed token
    );
    event TokenAccepted(address indexed token, uint256 minDeposit);
    event DepositWithdrawn(address indexed depositor, uint256 amount, address indexed token);
    event TreasuryFeesWithdrawn(address indexed treasury, uint256 amount, address indexed token);

    error HostNotActive(address host);
    error ModelNotApproved(bytes32 modelId);
    error HostDoesNotSupportModel(address host, bytes32 modelId);
    error InvalidPrice();
    error PriceBelowHostMinimum(uint256 pricePerToken, uint256 hostMinimum);
    error InvalidMaxDuration(uint256 maxDuration);
    error ProofIntervalTooSmall(uint256 proofInterval, uint256 minimum);
    error InvalidProofTimeoutWindow(uint256 proofTimeoutWindow);
    error DepositTooSmall(uint256 deposit, uint256 minimum);
    error DepositDoesNotCoverProofInterval(uint256 deposit, uint256 required);
    error TokenNotAccepted(address token);
    error SessionNotFound(uint256 jobId);
    error SessionNotActive(uint256 jobId);
    error OnlyHost(uint256 jobId, address caller);
    error TooFewTokensClaimed(uint256 tokensClaimed, uint256 minimum);
    error ClaimExceedsDeposit(uint256 totalClaimed, uint256 maxTokens);
    error ClaimTooFast(uint256 tokensClaimed, uint256 maxTokens);
    error ProofAlreadyUsed(bytes32 proofHash);
    error DisputeWindowNotPassed(uint256 jobId, uint256 availableAt);
    error NotSessionParty(uint256 jobId, address caller);
    error SessionNotTimedOut(uint256 jobId);
    error ProofIndexOutOfRange(uint256 jobId, uint256 index);
    error InvalidFee(uint256 feeBasisPoints);
    error ZeroAddress();
    error NativeTransferFailed();
    error NothingToWithdraw();

    constructor(
        address nodeRegistry_,
        address proofSystem_,
        address payable hostEarnings_,
        address treasury_,
        uint256 feeBasisPoints_,
        uint256 disputeWindow_,
        address initialOwner
    ) Ownable(initialOwner) {
        if (treasury_ == address(0)) revert ZeroAddress();
        if (feeBasisPoints_ > 10_000) revert InvalidFee(feeBasisPoints_);
        nodeRegistry = NodeRegistry(nodeRegistry_);
        modelRegistry = NodeRegistry(nodeRegistry_).modelRegistry();
        proofSystem = ProofSystem(proofSystem_);
        hostEarnings = HostEarnings(hostEarnings_);
        treasury = treasury_;
        feeBasisPoints = feeBasisPoints_;
        disputeWindow = disputeWindow_;
    }

    function addAcceptedToken(address token, uint256 minDeposit) external onlyOwner {
        if (token == address(0)) revert ZeroAddress();
        acceptedTokens[token] = true;
        tokenMinDeposits[token] = minDeposit;
        emit TokenAccepted(token, minDeposit);
    }

    function createSessionJobForModel(
        address host,
        bytes32 modelId,
        uint256 pricePerToken,
        uint256 maxDuration,
        uint256 proofInterval,
        uint256 proofTimeoutWindow
    ) external payable nonReentrant returns (uint256 jobId) {
        if (msg.value < MIN_DEPOSIT) revert DepositTooSmall(msg.value, MIN_DEPOSIT);
        return _createSession(
            host, modelId, address(0), msg.value, pricePerToken, maxDuration, proofInterval, proofTimeoutWindow
        );
    }

    function createSessionJobForModelWithToken(
        address host,
        bytes32 modelId,
        address token,
        uint256 deposit,
        uint256 pricePerToken,
        uint256 maxDuration,
        uint256 proofInterval,
        uint256 proofTimeoutWindow
    ) external nonReentrant returns (uint256 jobId) {
        if (!acceptedTokens[token]) revert TokenNotAccepted(token);
        if (deposit == 0 || deposit < tokenMinDeposits[token]) {
            revert DepositTooSmall(deposit, tokenMinDeposits[token]);
        }
        jobId =
            _createSession(host, modelId, token, deposit, pricePerToken, maxDuration, proofInterval, proofTimeoutWindow);
        IERC20(token).safeTransferFrom(msg.sender, address(this), deposit);
    }

    function submitProofOfWork(
        uint256 jobId,
        uint256 tokensClaimed,
        bytes32 proofHash,
        string calldata proofCID,
        string calldata deltaCID
    ) external nonReentrant {
        SessionJob storage session = _activeSession(jobId);
        if (msg.sender != session.host) revert OnlyHost(jobId, msg.sender);
        if (tokensClaimed < MIN_PROVEN_TOKENS) revert TooFewTokensClaimed(tokensClaimed, MIN_PROVEN_TOKENS);
        if (session.tokensUsed == 0 && tokensClaimed < session.proofInterval) {
            revert TooFewTokensClaimed(tokensClaimed, session.proofInterval);
        }
        uint256 maxTokens = session.deposit * PRICE_PRECISION / session.pricePerToken;
        uint256 total = session.tokensUsed + tokensClaimed;
        if (total > maxTokens) revert ClaimExceedsDeposit(total, maxTokens);
        uint256 since = session.lastProofTime == 0 ? session.startTime : session.lastProofTime;
        uint256 rateLimit = (block.timestamp - since + 1) * MAX_TOKENS_PER_SECOND;
        if (tokensClaimed > rateLimit) revert ClaimTooFast(tokensClaimed, rateLimit);
        bool fresh = proofSystem.markProofUsed(proofHash, msg.sender, tokensClaimed, sessionModel[jobId]);
        if (!fresh) revert ProofAlreadyUsed(proofHash);

        session.tokensUsed = total;
        session.lastProofTime = block.timestamp;
        session.lastProofHash = proofHash;
        session.lastProofCID = proofCID;
        proofSubmissions[jobId].push(ProofSubmission(proofHash, tokensClaimed, block.timestamp, true, deltaCID));
        emit ProofSubmitted(jobId, msg.sender, tokensClaimed, proofHash, proofCID, deltaCID);
    }

    /// @notice The depositor may complete at any time; the host once the dispute window after its
    /// last proof has passed.
    function completeSessionJob(uint256 jobId, string calldata conversationCID) external nonReentrant {
        SessionJob storage session = _activeSession(jobId);
        if (msg.sender == session.host && msg.sender != session.depositor) {
            uint256 availableAt = _lastActivity(session) + disputeWindow;
            if (block.timestamp < availableAt) revert DisputeWindowNotPassed(jobId, availableAt);
        } else if (msg.sender != session.depositor) {
            revert NotSessionParty(jobId, msg.sender);
        }
        session.conversationCID = conversationCID;
        session.status = SessionStatus.Completed;
        (uint256 payment, uint256 net, uint256 refund) = _settle(jobId, session);
        emit SessionCompleted(jobId, session.tokensUsed, net, refund);
        emit SessionCompletedBy(jobId, msg.sender, session.tokensUsed, payment, refund);
    }

    /// @notice Anyone may end a session whose maxDuration passed or whose host stopped proving.
    function triggerSessionTimeout(uint256 jobId) external nonReentrant {
        SessionJob storage session = _activeSession(jobId);
        bool expired = block.timestamp > session.startTime + session.maxDuration;
        bool silent = block.timestamp > _lastActivity(session) + session.proofTimeoutWindow;
        if (!expired && !silent) revert SessionNotTimedOut(jobId);
        session.status = SessionStatus.TimedOut;
        (, uint256 net, uint256 refund) = _settle(jobId, session);
        emit SessionTimedOut(jobId, net, refund);
    }

    function getProofSubmission(uint256 jobId, uint256 index)
        external
        view
        returns (bytes32 proofHash, uint256 tokensClaimed, uint256 timestamp, bool verified, string memory deltaCID)
    {
        if (index >= proofSubmissions[jobId].length) revert ProofIndexOutOfRange(jobId, index);
        ProofSubmission storage proof = proofSubmissions[jobId][index];
        return (proof.proofHash, proof.tokensClaimed, proof.timestamp, proof.verified, proof.deltaCID);
    }

    function getProofSubmissionCount(uint256 jobId) external view returns (uint256) {
        return proofSubmissions[jobId].length;
    }

    function getDepositBalance(address depositor, address token) external view returns (uint256) {
        return depositBalances[depositor][token];
    }

    /// @notice Withdraws refunds that could not be pushed to the depositor at settlement.
    function withdrawDepositBalance(address token) external nonReentrant {
        uint256 amount = depositBalances[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw();
        depositBalances[msg.sender][token] = 0;
        _send(token, msg.sender, amount);
        emit DepositWithdrawn(msg.sender, amount, token);
    }

    function withdrawTreasuryFees(address token) external nonReentrant {
        uint256 amount = accumulatedTreasuryFees[token];
        if (amount == 0) revert NothingToWithdraw();
        accumulatedTreasuryFees[token] = 0;
        _send(token, treasury, amount);
        emit TreasuryFeesWithdrawn(treasury, amount, token);
    }

    function _createSession(
        address host,
        bytes32 modelId,
        address token,
        uint256 deposit,
        uint256 pricePerToken,
        uint256 maxDuration,
        uint256 proofInterval,
        uint256 proofTimeoutWindow
    ) private returns (uint256 jobId) {
        if (!nodeRegistry.isActiveNode(host)) revert HostNotActive(host);
        if (!modelRegistry.isModelApproved(modelId)) revert ModelNotApproved(modelId);
        if (!nodeRegistry.nodeSupportsModel(host, modelId)) revert HostDoesNotSupportModel(host, modelId);
        if (pricePerToken == 0) revert InvalidPrice();
        uint256 hostMinimum = nodeRegistry.getModelPricing(host, modelId, token);
        if (pricePerToken < hostMinimum) revert PriceBelowHostMinimum(pricePerToken, hostMinimum);
        if (maxDuration == 0 || maxDuration > MAX_SESSION_DURATION) revert InvalidMaxDuration(maxDuration);
        if (proofInterval < MIN_PROVEN_TOKENS) revert ProofIntervalTooSmall(proofInterval, MIN_PROVEN_TOKENS);
        if (proofTimeoutWindow < MIN_PROOF_TIMEOUT || proofTimeoutWindow > MAX_PROOF_TIMEOUT) {
            revert InvalidProofTimeoutWindow(proofTimeoutWindow);
        }
        uint256 required = proofInterval * pricePerToken / PRICE_PRECISION;
        if (deposit < required) revert DepositDoesNotCoverProofInterval(deposit, required);

        jobId = nextJobId++;
        SessionJob storage session = sessionJobs[jobId];
        session.id = jobId;
        session.depositor = msg.sender;
        session.host = host;
        session.paymentToken = token;
        session.deposit = deposit;
        session.pricePerToken = pricePerToken;
        session.maxDuration = maxDuration;
        session.startTime = block.timestamp;
        session.proofInterval = proofInterval;
        session.proofTimeoutWindow = proofTimeoutWindow;
        sessionModel[jobId] = modelId;
        emit SessionJobCreatedForModel(jobId, msg.sender, host, modelId, deposit);
    }

    function _activeSession(uint256 jobId) private view returns (SessionJob storage session) {
        session = sessionJobs[jobId];
        if (session.id == 0) revert SessionNotFound(jobId);
        if (session.status != SessionStatus.Active) revert SessionNotActive(jobId);
    }

    function _lastActivity(SessionJob storage session) private view returns (uint256) {
        return session.lastProofTime == 0 ? session.startTime : session.lastProofTime;
    }

    /// @dev hostPayment = max(tokensUsed, proofInterval once any proof exists) * price / 1000,
    /// capped at the deposit; the fee goes to the treasury, the net to HostEarnings, the rest back.
    function _settle(uint256 jobId, SessionJob storage session)
        private
        returns (uint256 payment, uint256 net, uint256 refund)
    {
        uint256 billable = session.tokensUsed;
        if (billable > 0 && billable < session.proofInterval) billable = session.proofInterval;
        payment = billable * session.pricePerToken / PRICE_PRECISION;
        if (payment > session.deposit) payment = session.deposit;
        uint256 fee = payment * feeBasisPoints / 10_000;
        net = payment - fee;
        refund = session.deposit - payment;
        address token = session.paymentToken;

        session.withdrawnByHost = net;
        session.refundedToUser = refund;
        accumulatedTreasuryFees[token] += fee;
        if (net > 0) {
            _send(token, address(hostEarnings), net);
            hostEarnings.creditEarnings(session.host, net, token);
        }
        if (refund > 0 && !_trySend(token, session.depositor, refund)) {
            depositBalances[session.depositor][token] += refund;
            emit RefundCreditedToDeposit(jobId, session.depositor, refund, token);
        }
    }

    function _send(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            (bool sent,) = payable(to).call{value: amount}("");
            if (!sent) revert NativeTransferFailed();
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _trySend(address token, address to, uint256 amount) private returns (bool) {
        if (token == address(0)) {
            (bool sent,) = payable(to).call{value: amount, gas: 30_000}("");
            return sent;
        }
        return IERC20(token).trySafeTransfer(to, amount);
    }
}
