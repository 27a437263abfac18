// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ModelRegistry} from "./ModelRegistry.sol";

/// @title NodeRegistry
/// @notice Hosts stake FAB, publish metadata, an API URL, the models they serve and their prices.
/// Prices use PRICE_PRECISION = 1000: cost = tokens * price / 1000 in the payment token's base units.
contract NodeRegistry is Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MIN_STAKE = 1000 ether;

    struct Node {
        address operator;
        uint256 stakedAmount;
        bool active;
        string metadata;
        string apiUrl;
        bytes32[] supportedModels;
        uint256 minPricePerTokenNative;
        uint256 minPricePerTokenStable;
    }

    IERC20 public immutable fabToken;
    ModelRegistry public immutable modelRegistry;

    mapping(address => Node) private nodes;
    address[] private activeNodesList;
    mapping(address => uint256) private activeNodeIndex; // position + 1
    mapping(bytes32 => address[]) private modelToNodes;
    mapping(bytes32 => mapping(address => uint256)) private modelNodeIndex; // position + 1
    /// @dev Prices by operator, registration epoch, model and token: a new registration starts
    /// without the prices of an earlier one.
    mapping(address => mapping(uint256 => mapping(bytes32 => mapping(address => uint256)))) private
        modelTokenPricing;
    mapping(address => uint256) private pricingEpoch;

    event NodeRegistered(address indexed operator, uint256 stakedAmount, string metadata, bytes32[] models);
    event NodeUnregistered(address indexed operator, uint256 returnedAmount);
    event StakeAdded(address indexed operator, uint256 amount);
    event MetadataUpdated(address indexed operator, string metadata);
    event ApiUrlUpdated(address indexed operator, string apiUrl);
    event ModelsUpdated(address indexed operator, bytes32[] models);
    event ModelTokenPricingUpdated(
        address indexed operator, bytes32 indexed modelId, address indexed token, uint256 price
    );

    error AlreadyRegistered(address operator);
    error NotRegistered(address operator);
    error EmptyApiUrl();
    error NoModels();
    error ModelNotApproved(bytes32 modelId);
    error DuplicateModel(bytes32 modelId);
    error ModelNotSupported(address operator, bytes32 modelId);
    error InvalidPrice();
    error ZeroAmount();
    error ModelPricingNotSet(address operator, bytes32 modelId, address token);

    constructor(address fabToken_, address modelRegistry_, address initialOwner) Ownable(initialOwner) {
        fabToken = IERC20(fabToken_);
        modelRegistry = ModelRegistry(modelRegistry_);
    }

    modifier onlyRegistered() {
        if (nodes[msg.sender].operator == address(0)) revert NotRegistered(msg.sender);
        _;
    }

    function registerNode(
        string calldata metadata,
        string calldata apiUrl,
        bytes32[] calldata modelIds,
        uint256 minPricePerTokenNative,
        uint256 minPricePerTokenStable
    ) external nonReentrant {
        if (nodes[msg.sender].operator != address(0)) revert AlreadyRegistered(msg.sender);
        if (bytes(apiUrl).length == 0) revert EmptyApiUrl();
        if (minPricePerTokenNative == 0 || minPricePerTokenStable == 0) revert InvalidPrice();
        _checkModels(modelIds);

        Node storage node = nodes[msg.sender];
        node.operator = msg.sender;
        node.stakedAmount = MIN_STAKE;
        node.active = true;
        node.metadata = metadata;
        node.apiUrl = apiUrl;
        node.minPricePerTokenNative = minPricePerTokenNative;
        node.minPricePerTokenStable = minPricePerTokenStable;
        _setModels(msg.sender, modelIds);
        activeNodesList.push(msg.sender);
        activeNodeIndex[msg.sender] = activeNodesList.length;

        fabToken.safeTransferFrom(msg.sender, address(this), MIN_STAKE);
        emit NodeRegistered(msg.sender, MIN_STAKE, metadata, modelIds);
    }

    function unregisterNode() external nonReentrant onlyRegistered {
        Node storage node = nodes[msg.sender];
        uint256 returned = node.stakedAmount;
        _clearModels(msg.sender);
        _removeActive(msg.sender);
        delete nodes[msg.sender];
        pricingEpoch[msg.sender] += 1;
        fabToken.safeTransfer(msg.sender, returned);
        emit NodeUnregistered(msg.sender, returned);
    }

    function stake(uint256 amount) external nonReentrant onlyRegistered {
        if (amount == 0) revert ZeroAmount();
        nodes[msg.sender].stakedAmount += amount;
        fabToken.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeAdded(msg.sender, amount);
    }

    function updateMetadata(string calldata metadata) external onlyRegistered {
        nodes[msg.sender].metadata = metadata;
        emit MetadataUpdated(msg.sender, metadata);
    }

    function updateApiUrl(string calldata apiUrl) external onlyRegistered {
        if (bytes(apiUrl).length == 0) revert EmptyApiUrl();
        nodes[msg.sender].apiUrl = apiUrl;
        emit ApiUrlUpdated(msg.sender, apiUrl);
    }

    function updateSupportedModels(bytes32[] calldata modelIds) external onlyRegistered {
        _checkModels(modelIds);
        _clearModels(msg.sender);
        _setModels(msg.sender, modelIds);
        emit ModelsUpdated(msg.sender, modelIds);
    }

    function setModelTokenPricing(bytes32 modelId, address token, uint256 price) external onlyRegistered {
        if (!nodeSupportsModel(msg.sender, modelId)) revert ModelNotSupported(msg.sender, modelId);
        if (price == 0) revert InvalidPrice();
        modelTokenPricing[msg.sender][pricingEpoch[msg.sender]][modelId][token] = price;
        emit ModelTokenPricingUpdated(msg.sender, modelId, token, price);
    }

    function clearModelTokenPricing(bytes32 modelId, address token) external onlyRegistered {
        delete modelTokenPricing[msg.sender][pricingEpoch[msg.sender]][modelId][token];
        emit ModelTokenPricingUpdated(msg.sender, modelId, token, 0);
    }

    function getAllActiveNodes() external view returns (address[] memory) {
        return activeNodesList;
    }

    function getNodeFullInfo(address operator)
        external
        view
        returns (
            address,
            uint256 stakedAmount,
            bool active,
            string memory metadata,
            string memory apiUrl,
            bytes32[] memory supportedModels,
            uint256 minPricePerTokenNative,
            uint256 minPricePerTokenStable
        )
    {
        Node storage node = nodes[operator];
        return (
            node.operator,
            node.stakedAmount,
            node.active,
            node.metadata,
            node.apiUrl,
            node.supportedModels,
            node.minPricePerTokenNative,
            node.minPricePerTokenStable
        );
    }

    function isActiveNode(address operator) external view returns (bool) {
        return nodes[operator].active;
    }

    function getNodesForModel(bytes32 modelId) external view returns (address[] memory) {
        return modelToNodes[modelId];
    }

    function nodeSupportsModel(address operator, bytes32 modelId) public view returns (bool) {
        return modelNodeIndex[modelId][operator] != 0;
    }

    /// @notice The host's price for a model in a token (address(0) = native). Reverts when unset
    /// or when the host does not serve the model (any more).
    function getModelPricing(address operator, bytes32 modelId, address token) external view returns (uint256) {
        uint256 price = modelTokenPricing[operator][pricingEpoch[operator]][modelId][token];
        if (price == 0 || !nodeSupportsModel(operator, modelId)) {
            revert ModelPricingNotSet(operator, modelId, token);
        }
        return price;
    }

    /// @notice Every supported model with the host's price in `token` (0 where unset).
    function getHostModelPrices(address operator, address token)
        external
        view
        returns (bytes32[] memory modelIds, uint256[] memory prices)
    {
        modelIds = nodes[operator].supportedModels;
        prices = new uint256[](modelIds.length);
        for (uint256 i = 0; i < modelIds.length; i++) {
            prices[i] = modelTokenPricing[operator][pricingEpoch[operator]][modelIds[i]][token];
        }
    }

    function _checkModels(bytes32[] calldata modelIds) private view {
        if (modelIds.length == 0) revert NoModels();
        for (uint256 i = 0; i < modelIds.length; i++) {
            if (!modelRegistry.isModelApproved(modelIds[i])) revert ModelNotApproved(modelIds[i]);
            // A duplicated id would enter the model's host list twice and corrupt it on removal.
            for (uint256 j = 0; j < i; j++) {
                if (modelIds[j] == modelIds[i]) revert DuplicateModel(modelIds[i]);
            }
        }
    }

    function _setModels(address operator, bytes32[] calldata modelIds) private {
        nodes[operator].supportedModels = modelIds;
        for (uint256 i = 0; i < modelIds.length; i++) {
            modelToNodes[modelIds[i]].push(operator);
            modelNodeIndex[modelIds[i]][operator] = modelToNodes[modelIds[i]].length;
        }
    }

    function _clearModels(address operator) private {
        bytes32[] storage modelIds = nodes[operator].supportedModels;
        for (uint256 i = 0; i < modelIds.length; i++) {
            bytes32 modelId = modelIds[i];
            address[] storage hosts = modelToNodes[modelId];
            uint256 position = modelNodeIndex[modelId][operator] - 1;
            address last = hosts[hosts.length - 1];
            hosts[position] = last;
            modelNodeIndex[modelId][last] = position + 1;
            hosts.pop();
            delete modelNodeIndex[modelId][operator];
        }
        delete nodes[operator].supportedModels;
    }

    function _removeActive(address operator) private {
        uint256 position = activeNodeIndex[operator] - 1;
        address last = activeNodesList[activeNodesList.length - 1];
        activeNodesList[position] = last;
        activeNodeIndex[last] = position + 1;
        activeNodesList.pop();
        delete activeNodeIndex[operator];
    }
}
