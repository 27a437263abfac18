// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title HostEarnings
/// @notice Holds what hosts earned (native token = address(0)) until they withdraw it. Authorised
/// callers (the marketplace) transfer the funds in first, then credit them.
contract HostEarnings is Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    mapping(address => mapping(address => uint256)) private balances;
    mapping(address => bool) public authorizedCallers;

    event EarningsCredited(address indexed host, uint256 amount, address indexed token);
    event EarningsWithdrawn(address indexed host, uint256 amount, address indexed token);
    event AuthorizedCallerSet(address indexed caller, bool authorized);

    error NotAuthorized(address caller);
    error NothingToWithdraw();
    error NativeTransferFailed();

    constructor(address initialOwner) Ownable(initialOwner) {}

    receive() external payable {}

    function setAuthorizedCaller(address caller, bool authorized) external onlyOwner {
        authorizedCallers[caller] = authorized;
        emit AuthorizedCallerSet(caller, authorized);
    }

    function creditEarnings(address host, uint256 amount, address token) external {
        if (!authorizedCallers[msg.sender]) revert NotAuthorized(msg.sender);
        balances[host][token] += amount;
        emit EarningsCredited(host, amount, token);
    }

    function getBalance(address host, address token) external view returns (uint256) {
        return balances[host][token];
    }

    function withdrawAll(address token) external nonReentrant {
        uint256 amount = balances[msg.sender][token];
        if (amount == 0) revert NothingToWithdraw();
        balances[msg.sender][token] = 0;
        if (token == address(0)) {
            (bool sent,) = payable(msg.sender).call{value: amount}("");
            if (!sent) revert NativeTransferFailed();
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
        emit EarningsWithdrawn(msg.sender, amount, token);
    }
}
